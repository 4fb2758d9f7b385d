/**
 * The terminal step: non-blocking HTTP/1.1 client with per-event-loop keep-alive pools and load balancing.
 * Everything here that touches a channel runs on that channel's event loop.
 */
package dev.gateway.core.upstream;
