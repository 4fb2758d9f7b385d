package dev.gateway.core.limit;

import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.time.TimeSource;

/**
 * Where limits keep their counters. The local store ({@link LocalLimits}) decides on this node, synchronously and
 * without I/O. {@code scope: cluster} limits are decided in Redis by {@link ClusterLimits}, asynchronously and per
 * key (one script call a decision), so it does not share this lookup; a cluster limit still has a local state here,
 * which holds its fail-open share while Redis is unavailable.
 */
public interface LimitStore {

    /**
     * The state of a limit, by its id and {@link LimitConfig#fingerprint()}: a reload that leaves a limit's
     * definition as it was gets the same state back, so its counters carry on. Called off the event loops.
     */
    LimitState state(LimitConfig limit);

    /** The store's clock. */
    TimeSource clock();
}
