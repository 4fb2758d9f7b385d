package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code redis:} section: where the shared Redis is and how the gateway treats its loss. Absent (null in
 * {@link GatewayConfig#redis()}) means no Redis at all. Exactly one of {@code uri} and {@code cluster} is set.
 * {@link #toString()} masks passwords, so the record can be logged and shown by {@code GET /admin/config}.
 *
 * @param uri a {@code redis://}, {@code rediss://} or {@code redis-sentinel://} URI, or null with {@code cluster}
 * @param cluster Redis Cluster seed URIs, empty with {@code uri}
 * @param commandTimeout the longest any command may take, connected or not
 * @param connectTimeout the socket connect timeout, and the longest start-up waits for the first connection
 * @param keyPrefix what every key starts with
 */
public record RedisConfig(String uri, List<String> cluster, Duration commandTimeout, Duration connectTimeout,
        String keyPrefix, Readiness readiness) {

    /** What Redis loss does to {@code GET /health/ready}. */
    public enum Readiness {
        /** Redis down: readiness 503. */
        REQUIRED,
        /** Redis down: readiness stays 200, the body and {@code gateway_redis_up} say so, the loss is logged. */
        DEGRADED
    }

    public RedisConfig {
        cluster = List.copyOf(cluster);
    }

    public boolean isCluster() {
        return !cluster.isEmpty();
    }

    /** Where Redis is, passwords masked: the URI, or {@code cluster [seed, seed]}. */
    public String target() {
        return isCluster() ? "cluster " + cluster.stream().map(RedisUris::mask).toList() : RedisUris.mask(uri);
    }

    @Override
    public String toString() {
        return "RedisConfig[" + target() + ", command-timeout=" + commandTimeout + ", connect-timeout="
                + connectTimeout + ", key-prefix=" + keyPrefix + ", readiness=" + readiness.name().toLowerCase(
                java.util.Locale.ROOT) + "]";
    }
}
