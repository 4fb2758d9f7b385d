package dev.gateway.core.terminal;

import dev.gateway.core.time.TimeSource;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many retries a route may make now: at most {@code ratio} of its requests over the last {@link #WINDOW_SECONDS}
 * seconds, plus {@code minPerSecond} for each second of that window (Finagle's RetryBudget: the floor lets a route
 * with little traffic retry at all). Requests and retries are counted in one-second buckets of striped
 * {@link LongAdder}s, so the request path takes no lock and contends on no single counter; a bucket is cleared when
 * the clock comes round to it again. A count made while its bucket is being cleared may be lost: the budget is an
 * estimate, which is all a retry cap needs. Lives outside the configuration (one per route id, see
 * {@link RetryBudgets}), so a reload does not refill it. Thread-safe.
 */
public final class RetryBudget {
    /** The sliding window: this many one-second buckets. */
    public static final int WINDOW_SECONDS = 10;
    private static final long BUCKET_NANOS = 1_000_000_000L;

    private final TimeSource clock;
    /** The second each bucket counts (nanoTime / 1 s), or Long.MIN_VALUE before its first use. */
    private final AtomicLongArray stamps = new AtomicLongArray(WINDOW_SECONDS);
    private final LongAdder[] requests = new LongAdder[WINDOW_SECONDS];
    private final LongAdder[] retries = new LongAdder[WINDOW_SECONDS];

    public RetryBudget(TimeSource clock) {
        this.clock = clock;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            stamps.set(i, Long.MIN_VALUE);
            requests[i] = new LongAdder();
            retries[i] = new LongAdder();
        }
    }

    /** Counts a request (its first attempt). */
    public void recordRequest() {
        requests[bucket(clock.nanoTime() / BUCKET_NANOS)].increment();
    }

    /**
     * Takes one retry from the budget if there is one: true (the retry is counted) or false (the budget is spent,
     * nothing is counted).
     */
    public boolean tryRetry(double ratio, int minPerSecond) {
        long second = clock.nanoTime() / BUCKET_NANOS;
        int slot = bucket(second);
        long[] counts = counts(second);
        double allowed = ratio * counts[0] + (double) minPerSecond * WINDOW_SECONDS;
        if (counts[1] + 1 > allowed) {
            return false;
        }
        retries[slot].increment();
        return true;
    }

    /** Requests and retries counted in the window now: {@code [requests, retries]} (tests, admin). */
    public long[] counts() {
        return counts(clock.nanoTime() / BUCKET_NANOS);
    }

    /** Requests and retries counted in the window that ends in {@code second}. Only a retry asks: not per request. */
    private long[] counts(long second) {
        long reqs = 0;
        long done = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            long age = second - stamps.get(i);
            if (age >= 0 && age < WINDOW_SECONDS) {
                reqs += requests[i].sum();
                done += retries[i].sum();
            }
        }
        return new long[] {reqs, done};
    }

    /** The bucket of {@code second}, cleared first if it still holds an older second. */
    private int bucket(long second) {
        int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        long stamp = stamps.get(slot);
        if (stamp != second && stamp < second && stamps.compareAndSet(slot, stamp, second)) {
            // This thread moved the bucket to the new second: it clears the old counts.
            requests[slot].reset();
            retries[slot].reset();
        }
        return slot;
    }
}
