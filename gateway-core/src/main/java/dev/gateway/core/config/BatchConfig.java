package dev.gateway.core.config;

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
public record BatchConfig(int maxItems, long maxBody, long maxItemBody, long maxItemResponse, int concurrency,
        Duration itemTimeout, Duration timeout) {}
