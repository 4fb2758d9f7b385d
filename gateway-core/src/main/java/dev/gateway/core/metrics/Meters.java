package dev.gateway.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * Where compiled routes, targets and filters record: the Micrometer registry for counters and gauges, the two
 * latency histogram families of the request path (recorded without Micrometer, see {@link LatencyHistogram}) and
 * the event loops' scheduling delay. One per process, so series carry over when the configuration is compiled again.
 */
public record Meters(MeterRegistry registry, HistogramFamily requests, HistogramFamily upstream,
        HistogramFamily loopDelay, HistogramFamily rateLimitQueueWait) {

    /** The gateway's meters over {@code registry}, with fresh histogram families. */
    public static Meters create(MeterRegistry registry) {
        return new Meters(registry,
                new HistogramFamily(GatewayMeters.REQUESTS_HISTOGRAM,
                        "Requests through the gateway: count, latency and status per route",
                        List.of("route", "method", "status", "variant"), GatewayMeters.LATENCY_BUCKETS),
                new HistogramFamily(GatewayMeters.UPSTREAM_REQUEST_HISTOGRAM,
                        "Upstream attempts: time to the response head, by outcome",
                        List.of("upstream", "target", "outcome"), GatewayMeters.LATENCY_BUCKETS),
                new HistogramFamily(GatewayMeters.LOOP_DELAY_HISTOGRAM,
                        "How late the event loops ran a task due now (sampled every 50 ms per loop)",
                        List.of(), GatewayMeters.LOOP_DELAY_BUCKETS),
                new HistogramFamily(GatewayMeters.RATELIMIT_QUEUE_WAIT_HISTOGRAM,
                        "How long requests queued by a rate limit waited before they were served, per limit",
                        List.of("limit"), GatewayMeters.LATENCY_BUCKETS));
    }

    /** Every histogram family, for the exporter. */
    public List<HistogramFamily> histograms() {
        return List.of(requests, upstream, loopDelay, rateLimitQueueWait);
    }
}
