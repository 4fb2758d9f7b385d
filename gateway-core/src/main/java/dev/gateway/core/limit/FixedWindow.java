package dev.gateway.core.limit;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Fixed-window counters (quotas) as one {@code long} each: the window's number in the high 32 bits and the requests
 * counted in it in the low 32. A cell from an older window counts as empty, so nothing needs resetting at midnight.
 * Compare-and-set loops only; thread-safe.
 */
public final class FixedWindow {
    private FixedWindow() {}

    /** Counts one request in window {@code window} if fewer than {@code limit} were; returns the count after, or -1. */
    public static long take(AtomicLongArray cells, int i, long window, long limit) {
        for (;;) {
            long v = cells.get(i);
            long count = (v >>> 32) == window ? (v & 0xFFFF_FFFFL) : 0;
            if (count >= limit) {
                return -1;
            }
            if (cells.compareAndSet(i, v, (window << 32) | (count + 1))) {
                return count + 1;
            }
        }
    }

    /** Uncounts a request counted in {@code window} (another limit refused it); nothing if the window has passed. */
    public static void refund(AtomicLongArray cells, int i, long window) {
        for (;;) {
            long v = cells.get(i);
            long count = v & 0xFFFF_FFFFL;
            if ((v >>> 32) != window || count == 0) {
                return;
            }
            if (cells.compareAndSet(i, v, (window << 32) | (count - 1))) {
                return;
            }
        }
    }
}
