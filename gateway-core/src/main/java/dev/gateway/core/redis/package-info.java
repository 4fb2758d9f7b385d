/** The shared Redis: one auto-reconnecting Lettuce connection (standalone, Sentinel, Cluster), keys, health. */
package dev.gateway.core.redis;
