package dev.gateway.core.health;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The last {@code size} calls, as a ring of outcome slots written by one atomic swap each, with running counts of
 * calls, failures and slow calls adjusted by the difference between the new outcome and the one it replaced. A
 * success replacing a success (the common case) costs an increment and a swap.
 */
final class CountWindow implements SlidingWindow {
    private static final int EMPTY = 0;
    private static final int CALL = 1;
    private static final int FAILED = 2;
    private static final int SLOW = 4;

    private final int size;
    private final AtomicIntegerArray slots;
    private final AtomicLong next = new AtomicLong();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger slows = new AtomicInteger();

    CountWindow(int size) {
        this.size = size;
        this.slots = new AtomicIntegerArray(size);
    }

    @Override
    public boolean record(boolean failure, boolean slow, long nowNanos) {
        int v = CALL | (failure ? FAILED : 0) | (slow ? SLOW : 0);
        int old = slots.getAndSet((int) Long.remainderUnsigned(next.getAndIncrement(), size), v);
        if (old == v) {
            return false;
        }
        boolean grew = old == EMPTY;
        if (grew) {
            calls.incrementAndGet();
        }
        int df = (v & FAILED) - (old & FAILED);
        if (df != 0) {
            failures.addAndGet(df / FAILED);
        }
        int ds = (v & SLOW) - (old & SLOW);
        if (ds != 0) {
            slows.addAndGet(ds / SLOW);
        }
        return grew;
    }

    @Override
    public boolean exceeds(int minCalls, int failureRatePercent, int slowRatePercent, long nowNanos) {
        return SlidingWindow.exceeds(calls.get(), failures.get(), slows.get(), minCalls, failureRatePercent,
                slowRatePercent);
    }
}
