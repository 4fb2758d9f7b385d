package dev.gateway.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code gateway.upstream.request} timers of one target, one per outcome, created on first use. Measures from
 * sending the request to the response head (or the failure). Thread-safe.
 */
public final class UpstreamMetrics {

    /** How an upstream attempt ended. */
    public enum Outcome {
        SUCCESS, TIMEOUT, REFUSED, CLOSED, BAD_RESPONSE, OVERLOADED;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    public static final UpstreamMetrics NOOP = new UpstreamMetrics(null, "-", "-");

    private final MeterRegistry registry;
    private final String upstream;
    private final String target;
    private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(Outcome.values().length);

    public UpstreamMetrics(MeterRegistry registry, String upstream, String target) {
        this.registry = registry;
        this.upstream = upstream;
        this.target = target;
    }

    public void record(Outcome outcome, long nanos) {
        if (registry == null) {
            return;
        }
        Timer t = timers.get(outcome.ordinal());
        if (t == null) {
            t = Timer.builder(GatewayMeters.UPSTREAM_REQUEST)
                    .description("Upstream attempts: time to the response head, by outcome")
                    .tags("upstream", upstream, "target", target, "outcome", outcome.tag)
                    .serviceLevelObjectives(GatewayMeters.LATENCY_BUCKETS)
                    .register(registry);
            timers.set(outcome.ordinal(), t);
        }
        t.record(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    }
}
