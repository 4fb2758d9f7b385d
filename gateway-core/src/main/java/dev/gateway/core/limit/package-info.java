/** Rate limits, quotas and concurrency limits: local and Redis counters, and the engine that applies them. */
package dev.gateway.core.limit;
