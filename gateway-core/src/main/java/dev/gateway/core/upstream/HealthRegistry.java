package dev.gateway.core.upstream;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.time.TimeSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health state of every guarded target, a service that outlives configurations like the upstream client's pools:
 * keyed by (upstream name, target URL), so a reload that configures a target's health the same way keeps its breaker,
 * ejection and check verdict; one that changes the settings starts it over. Active checks run for the targets of the
 * configuration in force only, started and stopped by {@link #apply} when a configuration takes effect.
 */
public final class HealthRegistry {
    private static final Logger logger = LoggerFactory.getLogger(HealthRegistry.class);

    private record Key(String upstream, String target) {}

    private final TimeSource clock;
    private final ConcurrentHashMap<Key, TargetHealth> states = new ConcurrentHashMap<>();
    private record RouteBreaker(CircuitBreakerConfig config, CircuitBreaker breaker) {}

    private final ConcurrentHashMap<String, RouteBreaker> routeBreakers = new ConcurrentHashMap<>();

    /** The states of the configuration in force (whose checks run); written under this lock. */
    private volatile Map<Key, TargetHealth> live = Map.of();
    /** The running active checks of the live states; under this lock. */
    private final Map<TargetHealth, HealthCheck> running = new IdentityHashMap<>();

    public HealthRegistry(TimeSource clock) {
        this.clock = clock;
    }

    public TimeSource clock() {
        return clock;
    }

    /** The state of {@code target} in {@code upstream} under {@code settings}: the kept one if the settings match. */
    public TargetHealth state(String upstream, String target, TargetHealth.Settings settings) {
        Key key = new Key(upstream, target);
        TargetHealth inForce = live.get(key);
        if (inForce != null && inForce.settings().equals(settings)) {
            return inForce; // even if a rejected compile registered other settings since
        }
        return states.compute(key, (k, old) -> old != null && old.settings().equals(settings) ? old
                : new TargetHealth(upstream, target, settings, clock));
    }

    /** Route {@code routeId}'s own breaker under {@code config}: the kept one if the config matches. */
    public CircuitBreaker routeBreaker(String routeId, CircuitBreakerConfig config) {
        return routeBreakers.compute(routeId, (k, old) -> old != null && old.config().equals(config) ? old
                : new RouteBreaker(config, new CircuitBreaker(config, clock, (from, to) -> logger.warn(
                        "route {}: circuit breaker {} -> {}", routeId, from.label(), to.label())))).breaker();
    }

    /** Forgets the breakers of routes the configuration in force does not have. */
    public void retainRoutes(Collection<String> liveRoutes) {
        routeBreakers.keySet().retainAll(Set.copyOf(liveRoutes));
    }

    /**
     * A configuration took effect with {@code groups}: its states are the live ones (checks started where configured,
     * pointed at the newest targets), every other state is forgotten and its checks stopped. {@code checks} is null
     * where nothing is served. Called off the event loops, once per configuration.
     */
    public synchronized void apply(Collection<UpstreamGroup> groups, HealthChecks checks) {
        Map<Key, TargetHealth> next = new HashMap<>();
        for (UpstreamGroup g : groups) {
            for (int i = 0; i < g.size(); i++) {
                Target t = g.target(i);
                TargetHealth h = t.health();
                if (h != null) {
                    next.put(new Key(g.name(), t.url()), h);
                    startChecks(h, t, g, checks);
                }
            }
        }
        for (Map.Entry<Key, TargetHealth> e : live.entrySet()) {
            if (next.get(e.getKey()) != e.getValue()) {
                stopChecks(e.getValue());
            }
        }
        states.keySet().retainAll(next.keySet());
        states.putAll(next);
        live = next;
    }

    /** Stops every check (shutdown). */
    public synchronized void stopAll() {
        live.values().forEach(this::stopChecks);
        live = Map.of();
    }

    private void stopChecks(TargetHealth h) {
        HealthCheck c = running.remove(h);
        if (c != null) {
            c.stop();
        }
    }

    /** Starts active checks of {@code t} (when configured and not yet running), or points them at its latest form. */
    private void startChecks(TargetHealth h, Target t, UpstreamGroup g, HealthChecks starter) {
        if (!h.checked() || starter == null) {
            return;
        }
        HealthCheck c = running.get(h);
        if (c == null) {
            running.put(h, starter.start(h, t, g));
        } else {
            c.update(t, g);
        }
    }
}
