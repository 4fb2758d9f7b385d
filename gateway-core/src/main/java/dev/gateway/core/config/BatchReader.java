package dev.gateway.core.config;

import java.time.Duration;

/** Reads a route's {@code batch:} section; every problem located. Off the event loops. */
final class BatchReader {
    static final long MB = 1024L * 1024;

    private BatchReader() {}

    static BatchConfig read(Section s) {
        int maxItems = s.integer("max-items", 50, 1, 1000);
        long maxBody = s.size("max-body", MB, 2, 64 * MB);
        long maxItemBody = s.size("max-item-body", maxBody, 0, 64 * MB);
        long maxItemResponse = s.size("max-item-response", MB, 0, 64 * MB);
        int concurrency = s.integer("concurrency", 8, 1, 256);
        Duration itemTimeout = s.positiveDuration("item-timeout", Duration.ofSeconds(5));
        Duration timeout = s.positiveDuration("timeout", Duration.ofSeconds(10));
        if (itemTimeout.compareTo(timeout) > 0) {
            s.problems().add(s.raw(s.has("item-timeout") ? "item-timeout" : "timeout"), "item-timeout " + itemTimeout.toMillis() + " ms is above the batch timeout "
                    + timeout.toMillis() + " ms");
        }
        s.finish();
        return new BatchConfig(maxItems, maxBody, maxItemBody, maxItemResponse, concurrency, itemTimeout, timeout);
    }
}
