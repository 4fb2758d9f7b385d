package dev.gateway.core.health;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The calls of the last {@code length}, in {@value #BUCKETS} buckets of {@code length / BUCKETS} each. A bucket is
 * stamped with the period it counts; the first call of a new period claims it (compare-and-set of the stamp) and
 * zeroes its counts. A success costs a read of the stamp and an increment.
 */
final class TimeWindow implements SlidingWindow {
    static final int BUCKETS = 10;

    private final long bucketNanos;
    private final AtomicLongArray stamps = new AtomicLongArray(BUCKETS);
    /** calls, failures, slow calls of bucket i at 3i, 3i+1, 3i+2. */
    private final AtomicIntegerArray counts = new AtomicIntegerArray(3 * BUCKETS);

    TimeWindow(long lengthNanos) {
        this.bucketNanos = Math.max(1, lengthNanos / BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            stamps.set(i, Long.MIN_VALUE);
        }
    }

    @Override
    public boolean record(boolean failure, boolean slow, long nowNanos) {
        long period = Math.floorDiv(nowNanos, bucketNanos);
        int b = (int) Math.floorMod(period, (long) BUCKETS);
        long stamp = stamps.get(b);
        if (stamp != period && stamps.compareAndSet(b, stamp, period)) {
            // A call racing this reset may be lost or land in the new period: an approximation of one call.
            counts.set(3 * b, 0);
            counts.set(3 * b + 1, 0);
            counts.set(3 * b + 2, 0);
        }
        counts.incrementAndGet(3 * b);
        if (failure) {
            counts.incrementAndGet(3 * b + 1);
        }
        if (slow) {
            counts.incrementAndGet(3 * b + 2);
        }
        return false;
    }

    @Override
    public boolean exceeds(int minCalls, int failureRatePercent, int slowRatePercent, long nowNanos) {
        long period = Math.floorDiv(nowNanos, bucketNanos);
        int calls = 0;
        int failures = 0;
        int slows = 0;
        for (int b = 0; b < BUCKETS; b++) {
            long stamp = stamps.get(b);
            if (stamp != Long.MIN_VALUE && period - stamp < BUCKETS && period - stamp >= 0) {
                calls += counts.get(3 * b);
                failures += counts.get(3 * b + 1);
                slows += counts.get(3 * b + 2);
            }
        }
        return SlidingWindow.exceeds(calls, failures, slows, minCalls, failureRatePercent, slowRatePercent);
    }
}
