package dev.gateway.core.batch;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * A batch route's meters, resolved when the route is compiled: {@code gateway.batch.items} (items per accepted batch)
 * and {@code gateway.batch.duration} (from the batch's acceptance to its last entry), tagged with the route. Each
 * item is recorded under its own route by its own exchange, as if called directly.
 */
public final class BatchMetrics {
    public static final String ITEMS = "gateway.batch.items";
    public static final String DURATION = "gateway.batch.duration";
    public static final BatchMetrics NOOP = new BatchMetrics(null, null);

    private final DistributionSummary items;
    private final Timer duration;

    private BatchMetrics(DistributionSummary items, Timer duration) {
        this.items = items;
        this.duration = duration;
    }

    public static BatchMetrics of(MeterRegistry registry, String route) {
        return new BatchMetrics(
                DistributionSummary.builder(ITEMS).description("Items per accepted batch call")
                        .tags("route", route).register(registry),
                Timer.builder(DURATION).description("Batch calls: from acceptance to the last entry")
                        .tags("route", route).register(registry));
    }

    void record(int itemCount, long nanos) {
        if (items != null) {
            items.record(itemCount);
            duration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
