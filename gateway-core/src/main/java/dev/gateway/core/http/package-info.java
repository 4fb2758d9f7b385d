/** Gateway-made responses: error bodies, header name constants, hop-by-hop handling. */
package dev.gateway.core.http;
