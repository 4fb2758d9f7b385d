package dev.gateway.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Where compiled routes, targets and filters record: the Micrometer registry for counters and gauges, and the two
 * latency histogram families of the request path (recorded without Micrometer, see {@link LatencyHistogram}).
 * One per process, so series carry over when the configuration is compiled again.
 */
public record Meters(MeterRegistry registry, HistogramFamily requests, HistogramFamily upstream) {

    /** The gateway's meters over {@code registry}, with fresh histogram families. */
    public static Meters create(MeterRegistry registry) {
        return new Meters(registry,
                new HistogramFamily(GatewayMeters.REQUESTS_HISTOGRAM,
                        "Requests through the gateway: count, latency and status per route",
                        List.of("route", "method", "status", "variant"), GatewayMeters.LATENCY_BUCKETS),
                new HistogramFamily(GatewayMeters.UPSTREAM_REQUEST_HISTOGRAM,
                        "Upstream attempts: time to the response head, by outcome",
                        List.of("upstream", "target", "outcome"), GatewayMeters.LATENCY_BUCKETS));
    }
}
