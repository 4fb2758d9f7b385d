package dev.gateway.core.limit;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Token buckets as one {@code long} each (GCRA, the generic cell rate algorithm): the cell holds the bucket's
 * theoretical arrival time {@code tat}, in nanoseconds of the limiter's clock. A bucket of capacity {@code B} refilled
 * every {@code T} nanoseconds has {@code (B*T - (tat - now)) / T} tokens; taking one moves {@code tat} to
 * {@code max(tat, now) + T}. A cell of 0 is a full bucket, so a bucket recreated after eviction is full, which is
 * what an idle one would have refilled to. Every operation is one compare-and-set loop: no lock, no allocation.
 *
 * <p>Thread-safe; {@code now} must not go backwards by much (the limiter's monotonic clock) and must be at least 0.
 */
public final class TokenBucket {
    private TokenBucket() {}

    /**
     * Takes one token if that leaves the bucket filled at most {@code maxFill} nanoseconds (its capacity
     * {@code B*T}, or less when the taker must leave a reserve). Returns the fill after taking, in (0, maxFill], or,
     * when there is no token for this taker, minus the nanoseconds until there would be one.
     */
    public static long take(AtomicLongArray cells, int i, long now, long interval, long maxFill) {
        for (;;) {
            long tat = cells.get(i);
            long next = (tat > now ? tat : now) + interval;
            long fill = next - now;
            if (fill > maxFill) {
                return -(fill - maxFill);
            }
            if (cells.compareAndSet(i, tat, next)) {
                return fill;
            }
        }
    }

    /**
     * Takes a token now or reserves the next free one, at most {@code maxWait} nanoseconds ahead and behind at most
     * {@code maxLength} reservations in all: the FIFO of a queueing limit, kept as the bucket's debt (no list, no
     * lock). Returns the fill after taking, at least 1; above {@code capacity} it is a reservation, due in
     * {@code fill - capacity} nanoseconds. When the wait would be too long or the queue is full, returns minus that
     * wait (at least 1) and reserves nothing.
     */
    public static long reserve(AtomicLongArray cells, int i, long now, long interval, long capacity, long maxWait,
            long maxLength) {
        for (;;) {
            long tat = cells.get(i);
            long next = (tat > now ? tat : now) + interval;
            long fill = next - now;
            long wait = fill - capacity;
            if (wait > 0 && (wait > maxWait || (wait + interval - 1) / interval > maxLength)) {
                return -wait;
            }
            if (cells.compareAndSet(i, tat, next)) {
                return fill;
            }
        }
    }

    /**
     * Gives back a token taken or reserved with {@code interval} (another limit refused the request, or its client
     * left the queue). A bucket already full stays full: {@code tat} below {@code now} counts as {@code now}.
     */
    public static void refund(AtomicLongArray cells, int i, long interval) {
        cells.getAndAdd(i, -interval);
    }

    /** Tokens left after a take that returned {@code fill}, in a bucket of {@code capacity} nanoseconds. */
    public static long remaining(long fill, long capacity, long interval) {
        return fill >= capacity ? 0 : (capacity - fill) / interval;
    }
}
