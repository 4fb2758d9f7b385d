/** The shared Redis: one auto-reconnecting Lettuce connection (standalone, Sentinel or Cluster), keys, scripts, health. */
package dev.gateway.core.redis;
