/** HTTP/2 to the clients: h2c detection, the connection's codec and flood limits, one handler per stream. */
package dev.gateway.server.http2;
