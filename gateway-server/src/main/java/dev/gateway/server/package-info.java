/** Process entry point ({@link dev.gateway.server.GatewayMain}), wiring, lifecycle and graceful drain. */
package dev.gateway.server;
