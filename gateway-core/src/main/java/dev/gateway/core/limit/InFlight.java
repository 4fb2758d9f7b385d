package dev.gateway.core.limit;

import java.util.concurrent.atomic.AtomicLongArray;

/** Concurrency limits: requests in flight per key, one cell each; compare-and-set, thread-safe. */
public final class InFlight {
    private InFlight() {}

    /** Counts one more request in flight if fewer than {@code max} are; returns the count after, or -1. */
    public static long acquire(AtomicLongArray cells, int i, long max) {
        for (;;) {
            long n = cells.get(i);
            if (n >= max) {
                return -1;
            }
            if (cells.compareAndSet(i, n, n + 1)) {
                return n + 1;
            }
        }
    }

    /** The request ended: one fewer in flight. */
    public static void release(AtomicLongArray cells, int i) {
        cells.decrementAndGet(i);
    }
}
