/** Per-target health: circuit breakers, outlier ejection, active checks, and the selector that skips what is down. */
package dev.gateway.core.health;
