package dev.gateway.server;

import dev.gateway.core.metrics.HistogramFamily;
import dev.gateway.core.metrics.LatencyHistogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;

/**
 * Exports the gateway's {@link HistogramFamily latency histograms} as Prometheus classic histograms (buckets, count,
 * sum in seconds) through the Prometheus registry behind Micrometer, so one scrape returns both. Snapshots are taken
 * at scrape time on the scraping thread; recording threads are never stopped.
 */
final class HistogramCollector implements MultiCollector {
    private final List<HistogramFamily> families;

    HistogramCollector(List<HistogramFamily> families) {
        this.families = List.copyOf(families);
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>(families.size());
        for (HistogramFamily f : families) {
            out.add(snapshot(f));
        }
        return new MetricSnapshots(out);
    }

    @Override
    public List<String> getPrometheusNames() {
        return families.stream().map(HistogramFamily::name).toList();
    }

    private static HistogramSnapshot snapshot(HistogramFamily f) {
        long[] boundsNanos = f.boundsNanos();
        double[] upper = new double[boundsNanos.length + 1];
        for (int i = 0; i < boundsNanos.length; i++) {
            upper[i] = boundsNanos[i] / 1e9;
        }
        upper[boundsNanos.length] = Double.POSITIVE_INFINITY;
        String[] names = f.labelNames().toArray(new String[0]);
        List<HistogramDataPointSnapshot> points = new ArrayList<>();
        for (LatencyHistogram h : f.allSeries()) {
            LatencyHistogram.Snapshot s = h.snapshot();
            points.add(new HistogramDataPointSnapshot(ClassicHistogramBuckets.of(upper, s.bucketCounts()),
                    s.sumNanos() / 1e9, Labels.of(names, h.labelValues()), Exemplars.EMPTY, 0L));
        }
        return new HistogramSnapshot(new MetricMetadata(f.name(), f.help(), Unit.SECONDS), points);
    }
}
