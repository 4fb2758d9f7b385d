package dev.gateway.core.terminal;

import dev.gateway.core.time.TimeSource;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The retry budgets of the routes that have {@code retries:}, by route id: they outlive configurations, so a reload
 * neither refills nor empties a route's budget. Budgets are made when a configuration is compiled (off the event
 * loops); the request path only uses the one its route holds. Thread-safe.
 */
public final class RetryBudgets {
    private final TimeSource clock;
    private final ConcurrentHashMap<String, RetryBudget> budgets = new ConcurrentHashMap<>();

    public RetryBudgets(TimeSource clock) {
        this.clock = clock;
    }

    public RetryBudgets() {
        this(TimeSource.SYSTEM);
    }

    /** The budget of route {@code routeId}, made on first use. */
    public RetryBudget budget(String routeId) {
        return budgets.computeIfAbsent(routeId, id -> new RetryBudget(clock));
    }

    /** Forgets the budgets of routes not in {@code liveRoutes} (after a reload removed them). */
    public void retainOnly(Collection<String> liveRoutes) {
        budgets.keySet().retainAll(Set.copyOf(liveRoutes));
    }
}
