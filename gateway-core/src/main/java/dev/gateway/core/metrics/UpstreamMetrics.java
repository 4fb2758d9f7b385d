package dev.gateway.core.metrics;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code gateway_upstream_request_seconds} series of one target, one per outcome, found on first use. Measures
 * from sending the request to the response head (or the failure). Thread-safe.
 */
public final class UpstreamMetrics {

    /** How an upstream attempt ended. */
    public enum Outcome {
        SUCCESS, TIMEOUT, REFUSED, CLOSED, BAD_RESPONSE, OVERLOADED, TLS_ERROR;

        final String tag = name().toLowerCase(java.util.Locale.ROOT);
    }

    public static final UpstreamMetrics NOOP = new UpstreamMetrics(null, "-", "-");

    private final HistogramFamily family;
    private final String upstream;
    private final String target;
    private final AtomicReferenceArray<LatencyHistogram> series =
            new AtomicReferenceArray<>(Outcome.values().length);

    public UpstreamMetrics(HistogramFamily family, String upstream, String target) {
        this.family = family;
        this.upstream = upstream;
        this.target = target;
    }

    public void record(Outcome outcome, long nanos) {
        if (family == null) {
            return;
        }
        LatencyHistogram h = series.get(outcome.ordinal());
        if (h == null) {
            h = family.series(upstream, target, outcome.tag);
            series.set(outcome.ordinal(), h);
        }
        h.record(nanos);
    }
}
