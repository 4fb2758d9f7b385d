/** The injected time source that limiters, breakers and budgets read; below every engine that keeps time. */
package dev.gateway.core.time;
