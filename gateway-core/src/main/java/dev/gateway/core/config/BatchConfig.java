package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Bytes;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.time.Duration;

/**
 * A route's {@code batch:} section, its terminal step instead of an upstream: the route answers a batch call by
 * running each item as an in-process request through its own route.
 *
 * @param maxItems the most items one batch may hold ({@code max-items})
 * @param maxBody the most bytes the batch's own body may have ({@code max-body})
 * @param maxItemBody the most bytes one item's body may have once encoded for its route ({@code max-item-body})
 * @param maxItemResponse the most bytes of one item's response body kept in memory ({@code max-item-response});
 *     a larger answer becomes a 502 {@code item_response_too_large} entry
 * @param concurrency how many items of one batch are in flight at once
 * @param itemTimeout the time each item may take, unless it asks for less
 * @param timeout the time the whole batch may take
 */
public record BatchConfig(
        @Range(min = 1, max = 1000) int maxItems,
        @Bytes(min = 2, max = 64 * MB) long maxBody,
        @Bytes(min = 0, max = 64 * MB) long maxItemBody,
        @Bytes(min = 0, max = 64 * MB) long maxItemResponse,
        @Range(min = 1, max = 256) int concurrency,
        @Positive Duration itemTimeout,
        @Positive Duration timeout) implements Binder.Validated {

    static final long MB = 1024L * 1024;

    /** A negative {@code maxItemBody} (the default) is {@code maxBody}. */
    public BatchConfig {
        if (maxItemBody < 0) {
            maxItemBody = maxBody;
        }
    }

    public static BatchConfig defaults() {
        return new BatchConfig(50, MB, -1, MB, 8, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    @Override
    public void validate(Problems problems) {
        if (itemTimeout.compareTo(timeout) > 0) {
            problems.add(problems.scope().entries().containsKey("item-timeout") ? "item-timeout" : "timeout",
                    "item-timeout " + itemTimeout.toMillis() + " ms is above the batch timeout " + timeout.toMillis()
                            + " ms");
        }
    }
}
