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

    /**
     * The balancer's choice for a retry after {@code previous} failed: another target when the group has one (the
     * balancer's, or else the one after {@code previous} in the list), so a retry does not go back to what just
     * failed.
     */
    public Target pickOther(Target previous) {
        Target t = balancer.pick(targets);
        if (t != previous || targets.length == 1) {
            return t;
        }
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] == previous) {
                return targets[(i + 1) % targets.length];
            }
        }
        return t; // previous belongs to another group (a reload in between): the balancer's choice stands
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
