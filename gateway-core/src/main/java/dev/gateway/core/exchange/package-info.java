/**
 * One request's life, independent of the connection it came on: {@link dev.gateway.core.exchange.Exchange} routes it,
 * runs its filters ({@link dev.gateway.core.exchange.FilterChain}), hands it to the route's terminal and relays the
 * answer to its {@link dev.gateway.core.exchange.Downstream}.
 */
package dev.gateway.core.exchange;
