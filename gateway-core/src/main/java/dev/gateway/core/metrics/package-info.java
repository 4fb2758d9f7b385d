/** Meters of the request path, resolved when a route is compiled so that recording does no lookups. */
package dev.gateway.core.metrics;
