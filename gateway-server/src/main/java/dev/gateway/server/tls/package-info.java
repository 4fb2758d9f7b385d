/** The TLS listener: certificates and SNI ({@link dev.gateway.server.tls.TlsContexts}), the pipeline up to HTTP. */
package dev.gateway.server.tls;
