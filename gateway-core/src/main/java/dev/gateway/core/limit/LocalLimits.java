package dev.gateway.core.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.time.TimeSource;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The local limit store, a service that outlives configurations: every local limit's counters in one Caffeine map
 * bounded to {@code maxKeys} entries, so millions of keys (per-IP limits under attack) stay within a fixed memory
 * budget (about 200 bytes a key). Caffeine keeps the frequently used keys; an evicted key comes back fresh, which
 * for an idle bucket is exactly what its idle time would have refilled. States are found by limit id and definition
 * ({@link LimitConfig#fingerprint()}), so a reload keeps the counters of every limit it leaves unchanged.
 *
 * <p>Thread-safe. Decisions never lock (the cells are compare-and-set); creating a key's cells goes through Caffeine's
 * {@code get}, which does no I/O.
 */
public final class LocalLimits implements LimitStore {
    /** The default bound: about 20 MB of counters. */
    public static final long DEFAULT_MAX_KEYS = 100_000;

    private final TimeSource clock;
    private final long origin;
    private final Cache<LimitState.Key, AtomicLongArray> cells;
    private final ConcurrentHashMap<String, LimitState> states = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> queues = new ConcurrentHashMap<>();

    public LocalLimits(long maxKeys, TimeSource clock) {
        this.clock = clock;
        this.origin = clock.nanoTime();
        this.cells = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
    }

    public LocalLimits() {
        this(DEFAULT_MAX_KEYS, TimeSource.SYSTEM);
    }

    @Override
    public LimitState state(LimitConfig limit) {
        int cellsPerKey = Math.max(1, limit.priorityGroups().size());
        return states.computeIfAbsent(limit.id() + "\u0000" + limit.fingerprint(), k -> new LimitState(limit.id(),
                limit.fingerprint(), cellsPerKey, cells, queues.computeIfAbsent(limit.id(),
                        id -> new AtomicInteger())));
    }

    @Override
    public TimeSource clock() {
        return clock;
    }

    /** Now on the buckets' time line: nanoseconds since this store was made (never negative). */
    public long now() {
        return clock.nanoTime() - origin;
    }

    /** Keys held now (estimated; after {@link #cleanUp} exact). */
    public long keys() {
        return cells.estimatedSize();
    }

    /** Runs pending evictions now (tests). */
    public void cleanUp() {
        cells.cleanUp();
    }
}
