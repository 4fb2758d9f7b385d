package dev.gateway.core.limit;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A rate split among priority groups by ratio: each group has its own bucket (one cell of the key's cells) refilled
 * at its share of the rate, holding its share of the burst. A group takes from its own bucket first, so under
 * overload each gets its share. When its bucket is empty it borrows from the others' buckets, in the order the
 * groups are listed, but only what their owners leave unused: a borrower must leave a reserve in the lender's bucket,
 * {@code (rank + 1) / (groups + 1)} of it for the borrower's rank (0 = listed first). So an owner that comes back
 * finds tokens at once and its refill is its own again (the borrowers see nothing above the reserve), and when two
 * groups compete for unused capacity the higher-priority one can dig deeper and gets it first.
 *
 * <p>Immutable and thread-safe; one per compiled limit.
 */
public final class PriorityShares {
    private static final int INDEX_SHIFT = 56;
    private static final long FILL_MASK = (1L << INDEX_SHIFT) - 1;

    private final String[] names;
    private final long[] ratios;
    private final long sum;

    public PriorityShares(String[] names, long[] ratios) {
        if (names.length != ratios.length || names.length < 2 || names.length > 64) {
            throw new IllegalArgumentException("2..64 groups, each with a ratio");
        }
        this.names = names.clone();
        this.ratios = ratios.clone();
        long s = 0;
        for (long r : ratios) {
            s += r;
        }
        this.sum = s;
    }

    public int groups() {
        return names.length;
    }

    /** The group of a priority name; names not listed fall in the last group. */
    public int groupOf(String priority) {
        if (priority != null) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(priority)) {
                    return i;
                }
            }
        }
        return names.length - 1;
    }

    /** The refill interval of group {@code g}'s bucket for a limit refilled every {@code interval}. */
    public long interval(int g, long interval) {
        return Math.max(1, Math.round(interval * (double) sum / ratios[g]));
    }

    /** The capacity (tokens) of group {@code g}'s bucket for a limit of {@code burst} tokens. */
    public long burst(int g, long burst) {
        return Math.max(1, Math.round(burst * (double) ratios[g] / sum));
    }

    /**
     * How many of bucket {@code h}'s tokens a request of group {@code g} may use: all of them in its own bucket,
     * else the bucket's capacity less the reserve kept for its owner ({@code (g + 1) / (groups + 1)} of it,
     * rounded up). 0: none.
     */
    public long usable(int h, int g, long burst) {
        long capacity = burst(h, burst);
        if (h == g) {
            return capacity;
        }
        int n = names.length;
        long reserve = (capacity * (g + 1) + n) / (n + 1); // ceil(capacity * (g+1) / (n+1))
        return Math.max(0, capacity - reserve);
    }

    /**
     * Takes a token for a request of group {@code g}: from its own bucket, else borrowed. Returns, when admitted,
     * {@link #index} and {@link #fill} packed in a non-negative long (the bucket it came from and that bucket's fill
     * after taking); when refused, minus the nanoseconds until its own bucket has a token.
     */
    public long take(AtomicLongArray cells, int g, long now, long interval, long burst) {
        long ownInterval = interval(g, interval);
        long own = TokenBucket.take(cells, g, now, ownInterval, burst(g, burst) * ownInterval);
        if (own >= 0) {
            return ((long) g << INDEX_SHIFT) | own;
        }
        int n = names.length;
        for (int h = 0; h < n; h++) {
            if (h == g) {
                continue;
            }
            long t = interval(h, interval);
            long maxFill = usable(h, g, burst) * t;
            if (maxFill <= 0) {
                continue;
            }
            long r = TokenBucket.take(cells, h, now, t, maxFill);
            if (r >= 0) {
                return ((long) h << INDEX_SHIFT) | r;
            }
        }
        return own;
    }

    /** The bucket a successful {@link #take} took from. */
    public static int index(long taken) {
        return (int) (taken >>> INDEX_SHIFT);
    }

    /** The fill of that bucket after the take. */
    public static long fill(long taken) {
        return taken & FILL_MASK;
    }
}
