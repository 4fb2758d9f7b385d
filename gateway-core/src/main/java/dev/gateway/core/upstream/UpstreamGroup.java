package dev.gateway.core.upstream;

import dev.gateway.core.config.UpstreamConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A compiled upstream: its targets, the balancer and the settings its pools use. Immutable. */
public final class UpstreamGroup {
    private final String name;
    private final Target[] targets;
    private final LoadBalancer balancer;
    private final boolean preserveClientHost;
    private final PoolSettings pool;

    /** @param position the round-robin position of this group, kept by the upstream client across reloads */
    public UpstreamGroup(String name, List<Target> targets, UpstreamConfig.Balancer balancer, AtomicLong position,
            boolean preserveClientHost, PoolSettings pool) {
        this.name = name;
        this.targets = targets.toArray(new Target[0]);
        this.balancer = balancer == UpstreamConfig.Balancer.LEAST_REQUESTS
                ? new LoadBalancer.LeastOutstanding()
                : new LoadBalancer.WeightedRoundRobin(this.targets, position);
        this.preserveClientHost = preserveClientHost;
        this.pool = pool;
    }

    public String name() {
        return name;
    }

    public List<Target> targets() {
        return List.of(targets);
    }

    /** The balancer's choice among all targets. */
    public Target pick() {
        return balancer.pick(targets);
    }

    /** True: the upstream receives the client's Host header; false: the target's host:port. */
    public boolean preserveClientHost() {
        return preserveClientHost;
    }

    public PoolSettings pool() {
        return pool;
    }

    /**
     * Connection pool settings of this upstream's targets. Limits are per event loop: the configured per-target
     * totals divided by the number of loops (rounded up), since each loop owns its own pools.
     */
    public record PoolSettings(int maxConnectionsPerLoop, int maxPendingPerLoop, long connectTimeoutMillis,
            long idleTimeoutNanos) {}

    @Override
    public String toString() {
        return name;
    }
}
