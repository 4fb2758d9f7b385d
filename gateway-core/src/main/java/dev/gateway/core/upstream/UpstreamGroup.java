package dev.gateway.core.upstream;

import dev.gateway.core.config.UpstreamConfig;
import dev.gateway.core.health.EjectionPeers;
import dev.gateway.core.health.TargetHealth;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A compiled upstream: its targets, the balancer, the settings its pools use, and whether all its targets are used
 * when none is healthy (panic mode). Its {@code fallback:} is compiled into the terminals that use it. Immutable.
 */
public final class UpstreamGroup implements EjectionPeers {
    private final String name;
    private final Target[] targets;
    private final LoadBalancer balancer;
    private final boolean preserveClientHost;
    private final PoolSettings pool;
    private final boolean guarded;
    private final boolean panic;

    /** @param position the round-robin position of this group, kept by the upstream client across reloads */
    public UpstreamGroup(String name, List<Target> targets, UpstreamConfig.Balancer balancer, AtomicLong position,
            boolean preserveClientHost, PoolSettings pool) {
        this(name, targets, balancer, position, preserveClientHost, pool, false);
    }

    /**
     * @param panic when every target is unhealthy or ejected, use them all rather than refuse
     */
    public UpstreamGroup(String name, List<Target> targets, UpstreamConfig.Balancer balancer, AtomicLong position,
            boolean preserveClientHost, PoolSettings pool, boolean panic) {
        this.name = name;
        this.guarded = !targets.isEmpty() && targets.stream().allMatch(t -> t.health() != null);
        this.panic = panic;
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

    @Override
    public int size() {
        return targets.length;
    }

    @Override
    public TargetHealth peerHealth(int i) {
        return targets[i].health();
    }

    public Target target(int i) {
        return targets[i];
    }

    public boolean contains(Target t) {
        for (Target x : targets) {
            if (x == t) {
                return true;
            }
        }
        return false;
    }

    /** True when its targets keep health state (a breaker, outlier detection or active checks). */
    public boolean isGuarded() {
        return guarded;
    }

    /** True with {@code panic: true}: every target is used when all are unhealthy or ejected. */
    public boolean isPanic() {
        return panic;
    }

    /** The balancer's choice among all targets. */
    public Target pick() {
        return balancer.pick(targets);
    }

    /**
     * The target for a retry after {@code previous} failed: another one, at random among the others, when the group
     * has more than one (so a retry does not go back to what just failed). The balancer's position is left alone,
     * so retries do not shift the round-robin order of first attempts.
     */
    public Target pickOther(Target previous) {
        int n = targets.length;
        if (n == 1) {
            return targets[0];
        }
        int at = -1;
        for (int i = 0; i < n; i++) {
            if (targets[i] == previous) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return balancer.pick(targets); // previous is not one of this group's: any target will do
        }
        int other = ThreadLocalRandom.current().nextInt(n - 1);
        return targets[other >= at ? other + 1 : other];
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
