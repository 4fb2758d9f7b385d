package dev.gateway.core.metrics;

import java.time.Duration;

/**
 * Meter names and the latency buckets. Micrometer meters use the dotted form (the Prometheus registry adds units
 * and suffixes, e.g. {@code gateway.connections.active} becomes {@code gateway_connections_active}); the latency
 * histograms are the gateway's own ({@link HistogramFamily}) and carry their Prometheus names.
 */
public final class GatewayMeters {
    private GatewayMeters() {}

    /** Request latency histogram ({@link Meters#requests()}), exported under its Prometheus name as is. */
    public static final String REQUESTS_HISTOGRAM = "gateway_requests_seconds";
    /** Upstream attempt latency histogram ({@link Meters#upstream()}). */
    public static final String UPSTREAM_REQUEST_HISTOGRAM = "gateway_upstream_request_seconds";
    /** Event-loop scheduling delay histogram ({@link Meters#loopDelay()}). */
    public static final String LOOP_DELAY_HISTOGRAM = "gateway_event_loop_delay_seconds";
    /** Queue wait of rate-limited requests that were served ({@link Meters#rateLimitQueueWait()}). */
    public static final String RATELIMIT_QUEUE_WAIT_HISTOGRAM = "gateway_ratelimit_queue_wait_seconds";
    /** Rate-limit decisions by limit and result (admitted, rejected, queued, fallback, error). */
    public static final String RATELIMIT_DECISIONS = "gateway.ratelimit.decisions";
    /** Requests waiting in a limit's queues now. */
    public static final String RATELIMIT_QUEUE_LENGTH = "gateway.ratelimit.queue.length";
    public static final String CONNECTIONS_ACTIVE = "gateway.connections.active";
    public static final String REQUESTS_ACTIVE = "gateway.requests.active";
    public static final String WEBSOCKET_CONNECTIONS_ACTIVE = "gateway.websocket.connections.active";
    /** HTTP/2 floods that refused a stream or closed a client connection, by kind (rapid_reset, continuation...). */
    public static final String HTTP2_FLOODS = "gateway.http2.floods";
    public static final String UPSTREAM_CONNECTIONS = "gateway.upstream.connections";
    public static final String UPSTREAM_PENDING = "gateway.upstream.pending";
    /** A target's circuit breaker: 0 closed, 1 open, 2 half-open (upstreams with {@code circuit-breaker:}). */
    public static final String CIRCUIT_BREAKER_STATE = "gateway.circuit_breaker.state";
    /** A route's own circuit breaker ({@code circuit-breaker:} on the route): 0 closed, 1 open, 2 half-open. */
    public static final String ROUTE_CIRCUIT_BREAKER_STATE = "gateway.route.circuit_breaker.state";
    /** 1 while a target may take traffic as far as health goes (not unhealthy by active checks, not ejected). */
    public static final String UPSTREAM_HEALTHY = "gateway.upstream.healthy";
    /** Upstream attempts retried, by route and reason (connect-failure, reset-before-response, 503, ...). */
    public static final String UPSTREAM_RETRIES = "gateway.upstream.retries";
    /** Retries refused because the route's retry budget was spent, by route. */
    public static final String RETRY_BUDGET_EXHAUSTED = "gateway.retry.budget.exhausted";
    public static final String CONFIG_RELOADS = "gateway.config.reloads";
    /** 1 while the shared Redis answers, 0 while it does not (only with a {@code redis:} section). */
    public static final String REDIS_UP = "gateway.redis.up";
    /** Redis command latency by command and outcome (success, error, timeout). */
    public static final String REDIS_COMMANDS = "gateway.redis.commands";
    /** App change events applied to the metadata source, by type (changed, resync). */
    public static final String METADATA_EVENTS = "gateway.metadata.events";

    /** Histogram buckets for latencies: sub-millisecond to a minute. */
    public static final Duration[] LATENCY_BUCKETS = {
        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000),
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofSeconds(60),
    };

    /** Histogram buckets for event-loop delays: from what a busy loop normally shows to a stalled one. */
    public static final Duration[] LOOP_DELAY_BUCKETS = {
        Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
        Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofSeconds(1),
    };
}
