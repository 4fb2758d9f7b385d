/**
 * Per-target health state: circuit breakers, outlier ejection and the active checks' verdict. Below the upstream
 * types: the selector that skips what is down and the active checks themselves live in {@code core.upstream}.
 */
package dev.gateway.core.health;
