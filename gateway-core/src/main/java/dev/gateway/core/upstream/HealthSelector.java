package dev.gateway.core.upstream;

import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.health.TargetHealth;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The target selector with health: the balancer's choice unless it is unhealthy, ejected or its breaker is open,
 * else another target that can take the request. A retry ({@code previous} set) goes to a target other than
 * {@code previous} that can take it, at random like {@link UpstreamGroup#pickOther}, without asking the balancer (its
 * round-robin position stays where first attempts left it), and back to {@code previous} only when no other can.
 * With {@code panic: true}, when every target is unhealthy or ejected, any target whose breaker lets the request
 * through. Null when no target can take it: the call then uses the upstream's fallback or
 * answers 503. A group without health settings costs one boolean read. Called on event loops; lock-free.
 */
public final class HealthSelector implements TargetSelector {
    public static final HealthSelector INSTANCE = new HealthSelector();

    private HealthSelector() {}

    @Override
    public Target select(UpstreamGroup group, Target previous) {
        if (!group.isGuarded()) {
            return previous == null ? group.pick() : group.pickOther(previous);
        }
        Target t = null;
        if (previous == null) {
            // A first attempt: the balancer's choice when it can take the request.
            t = group.pick();
            if (t.health().tryAcquire()) {
                return t;
            }
        }
        // Another target that can take it, from a random start. A retry never asks the balancer: moving its
        // round-robin position on retries would shift first attempts (onto a failing target, in lockstep).
        int n = group.size();
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            Target c = group.target((start + i) % n);
            if (c != t && c != previous && c.health().tryAcquire()) {
                return c;
            }
        }
        if (previous != null && group.contains(previous) && previous.health().tryAcquire()) {
            return previous;
        }
        return group.isPanic() ? panic(group, previous) : null;
    }

    /** Every target is unhealthy or ejected: any whose breaker lets the request through. */
    private static Target panic(UpstreamGroup group, Target previous) {
        int n = group.size();
        for (int i = 0; i < n; i++) {
            if (group.target(i).health().isAvailable()) {
                return null; // some target is healthy: its breaker refused, so this is not a health outage
            }
        }
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        Target fallback = null;
        for (int i = 0; i < n; i++) {
            Target c = group.target((start + i) % n);
            CircuitBreaker b = c.health().breaker();
            if (c == previous) {
                fallback = c;
            } else if (b == null || b.tryAcquire()) {
                return c;
            }
        }
        if (fallback != null) {
            CircuitBreaker b = fallback.health().breaker();
            return b == null || b.tryAcquire() ? fallback : null;
        }
        return null;
    }

    /** Why {@link #select} found no target: true when every target's breaker refuses (else they are unhealthy). */
    public static boolean allCircuitsOpen(UpstreamGroup group) {
        for (int i = 0; i < group.size(); i++) {
            TargetHealth h = group.target(i).health();
            if (h == null || !h.isCircuitOpen()) {
                return false;
            }
        }
        return true;
    }
}
