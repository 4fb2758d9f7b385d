package dev.gateway.core.metrics;

import java.time.Duration;

/**
 * Meter names (Micrometer dotted form; the Prometheus registry adds units and suffixes, e.g.
 * {@code gateway.requests} becomes {@code gateway_requests_seconds}) and the latency buckets they share.
 */
public final class GatewayMeters {
    private GatewayMeters() {}

    public static final String REQUESTS = "gateway.requests";
    public static final String UPSTREAM_REQUEST = "gateway.upstream.request";
    public static final String CONNECTIONS_ACTIVE = "gateway.connections.active";
    public static final String REQUESTS_ACTIVE = "gateway.requests.active";
    public static final String UPSTREAM_CONNECTIONS = "gateway.upstream.connections";
    public static final String UPSTREAM_PENDING = "gateway.upstream.pending";
    public static final String CONFIG_RELOADS = "gateway.config.reloads";

    /** Histogram buckets for latencies: sub-millisecond to a minute. */
    public static final Duration[] LATENCY_BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60),
    };
}
