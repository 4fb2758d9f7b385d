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
public record RedisConfig(String uri, List<String> cluster, @Binder.Positive Duration commandTimeout,
        @Binder.Positive Duration connectTimeout, String keyPrefix, Readiness readiness) implements Binder.Validated {

    /** What Redis loss does to {@code GET /health/ready}. */
    public enum Readiness {
        /** Redis down: readiness 503. */
        REQUIRED,
        /** Redis down: readiness stays 200, the body and {@code gateway_redis_up} say so, the loss is logged. */
        DEGRADED
    }

    public RedisConfig {
        uri = uri == null ? null : uri.trim();
        cluster = cluster.stream().map(String::trim).toList();
    }

    public static RedisConfig defaults() {
        return new RedisConfig(null, List.of(), Duration.ofMillis(250), Duration.ofSeconds(2), "gw:",
                Readiness.DEGRADED);
    }

    @Override
    public void validate(Problems p) {
        var entries = p.scope().entries();
        boolean hasUri = uri != null && !uri.isBlank();
        if (hasUri && !cluster.isEmpty()) {
            p.add("uri", "use uri or cluster, not both (cluster at " + entries.get("cluster").location() + ")");
        } else if (!hasUri && cluster.isEmpty() && !(entries.get("uri") instanceof ConfigNode.MapNode
                || entries.get("uri") instanceof ConfigNode.ListNode)) {
            p.add("uri", "a Redis uri (or a cluster seed list) is required; remove the redis section for no Redis");
        } else if (hasUri) {
            RedisUris.parse((ConfigNode.ScalarNode) entries.get("uri"), p, false);
        }
        ConfigNode seeds = entries.get("cluster");
        if (seeds != null && !hasUri) {
            for (ConfigNode seed : seeds instanceof ConfigNode.ListNode l ? l.items() : List.of(seeds)) {
                if (seed instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
                    RedisUris.parse(sn, p, true);
                }
            }
        }
        if (keyPrefix.length() > 64 || keyPrefix.chars().anyMatch(c -> c == '{' || c == '}'
                || Character.isWhitespace(c) || Character.isISOControl(c))) {
            p.add("key-prefix", "a key prefix is at most 64 characters with no '{', '}' or whitespace "
                    + "(a hash tag in it would put every key in one cluster slot), found '" + keyPrefix + "'");
        }
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
