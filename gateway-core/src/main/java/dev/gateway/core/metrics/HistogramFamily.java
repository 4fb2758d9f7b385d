package dev.gateway.core.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A named set of {@link LatencyHistogram} series sharing label names and bucket bounds, e.g. {@code
 * gateway_requests_seconds} by route, method, status class and variant. A series is found by its label values and
 * created on first use; it lives as long as the family, so counts carry over when a configuration is compiled
 * again. Thread-safe. The server exports every family to Prometheus.
 */
public final class HistogramFamily {
    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final long[] boundsNanos;
    /** The bounds followed by a Long.MAX_VALUE sentinel, so the bucket scan needs no length check. */
    private final long[] scanBounds;
    private final ConcurrentHashMap<List<String>, LatencyHistogram> series = new ConcurrentHashMap<>();
    private final Collection<LatencyHistogram> seriesView = Collections.unmodifiableCollection(series.values());

    /**
     * @param name the Prometheus name, unit included (e.g. {@code gateway_requests_seconds})
     * @param bounds the buckets' upper bounds (inclusive), ascending; a last bucket above them is added
     */
    public HistogramFamily(String name, String help, List<String> labelNames, Duration... bounds) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.boundsNanos = Arrays.stream(bounds).mapToLong(Duration::toNanos).toArray();
        for (int i = 1; i < boundsNanos.length; i++) {
            if (boundsNanos[i] <= boundsNanos[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must ascend: " + Arrays.toString(bounds));
            }
        }
        this.scanBounds = Arrays.copyOf(boundsNanos, boundsNanos.length + 1);
        scanBounds[boundsNanos.length] = Long.MAX_VALUE;
    }

    public String name() {
        return name;
    }

    public String help() {
        return help;
    }

    public List<String> labelNames() {
        return labelNames;
    }

    /** The buckets' upper bounds in nanoseconds, without the last (unbounded) bucket. */
    public long[] boundsNanos() {
        return boundsNanos.clone();
    }

    /** Buckets per series, the unbounded one included. */
    public int bucketCount() {
        return scanBounds.length;
    }

    long[] scanBounds() {
        return scanBounds;
    }

    /** The series with these label values (one per label name), created on first use. */
    public LatencyHistogram series(String... labelValues) {
        if (labelValues.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", got "
                    + Arrays.toString(labelValues));
        }
        List<String> key = List.of(labelValues);
        LatencyHistogram h = series.get(key);
        return h != null ? h : series.computeIfAbsent(key, k -> new LatencyHistogram(this, labelValues.clone()));
    }

    /** Every series created so far (a live view). */
    public Collection<LatencyHistogram> allSeries() {
        return seriesView;
    }
}
