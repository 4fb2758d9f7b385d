/**
 * The terminal step: non-blocking HTTP/1.1 client with per-event-loop keep-alive pools and load balancing, and the
 * health-aware side of choosing a target (the health selector, the registry of target health, active checks).
 * Everything here that touches a channel runs on that channel's event loop.
 */
package dev.gateway.core.upstream;
