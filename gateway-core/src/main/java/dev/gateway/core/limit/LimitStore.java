package dev.gateway.core.limit;

import dev.gateway.core.config.LimitConfig;

/**
 * Where limits keep their counters. The local store ({@link LocalLimits}) decides on this node, synchronously and
 * without I/O. A cluster store (Redis, a later step) implements the same lookup for {@code scope: cluster} limits
 * and decides asynchronously; the rate-limit filter then waits for its answer like for any asynchronous stage.
 */
public interface LimitStore {

    /**
     * The state of a limit, by its id and {@link LimitConfig#fingerprint()}: a reload that leaves a limit's
     * definition as it was gets the same state back, so its counters carry on. Called off the event loops.
     */
    LimitState state(LimitConfig limit);

    /** The store's clock. */
    LimitClock clock();
}
