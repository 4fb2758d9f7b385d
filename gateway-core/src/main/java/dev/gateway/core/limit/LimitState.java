package dev.gateway.core.limit;

import com.github.benmanes.caffeine.cache.Cache;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The counters of one limit (one id and definition), by key: each key's cells ({@link TokenBucket} theoretical
 * arrival times, one per priority group; a {@link FixedWindow} count; an {@link InFlight} count) live in the store's
 * size-bounded map. Outlives configurations; thread-safe.
 */
public final class LimitState {
    private final String id;
    private final String fingerprint;
    private final int cellsPerKey;
    private final Cache<Key, AtomicLongArray> cells;
    private final AtomicInteger queued;

    LimitState(String id, String fingerprint, int cellsPerKey, Cache<Key, AtomicLongArray> cells,
            AtomicInteger queued) {
        this.id = id;
        this.fingerprint = fingerprint;
        this.cellsPerKey = cellsPerKey;
        this.cells = cells;
        this.queued = queued;
    }

    public String id() {
        return id;
    }

    public String fingerprint() {
        return fingerprint;
    }

    /**
     * The cells of {@code key} (a dimension value, or a list of them), created fresh (full buckets, empty counts)
     * when absent or evicted. The lookup allocates only the small map key.
     */
    public AtomicLongArray cells(Object key) {
        Key k = new Key(this, key);
        AtomicLongArray c = cells.getIfPresent(k);
        return c != null ? c : cells.get(k, x -> new AtomicLongArray(cellsPerKey));
    }

    /** Requests of this limit (by id) waiting in its queues now: a gauge. */
    public AtomicInteger queued() {
        return queued;
    }

    /** A map key: the state (by identity) and the key's dimension values. */
    record Key(LimitState state, Object value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.state == state && k.value.equals(value);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(state) * 31 + value.hashCode();
        }
    }

    @Override
    public String toString() {
        return "LimitState[" + id + "]";
    }
}
