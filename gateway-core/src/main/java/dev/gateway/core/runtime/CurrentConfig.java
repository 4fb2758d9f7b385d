package dev.gateway.core.runtime;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The configuration in force: one atomic reference to an immutable {@link Snapshot}. A request reads it once, when
 * it starts; a reload replaces it whole, so requests that started before keep the snapshot they read. Thread-safe.
 */
public final class CurrentConfig {
    private final AtomicReference<Snapshot> current;

    public CurrentConfig(Snapshot initial) {
        this.current = new AtomicReference<>(initial);
    }

    public Snapshot get() {
        return current.get();
    }

    /** Puts {@code next} in force; returns the snapshot it replaced. */
    public Snapshot swap(Snapshot next) {
        return current.getAndSet(next);
    }
}
