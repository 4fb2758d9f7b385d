/** Rate limits, quotas and concurrency limits: lock-free local counters in a size-bounded map, kept across reloads. */
package dev.gateway.core.limit;
