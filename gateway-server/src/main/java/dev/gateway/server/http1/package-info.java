/**
 * The HTTP/1.1 proxy listener: its pipeline ({@link dev.gateway.server.http1.Http1Initializer}) and the
 * per-connection I/O handler ({@link dev.gateway.server.http1.Http1ServerHandler}) where every request enters and
 * its response leaves.
 */
package dev.gateway.server.http1;
