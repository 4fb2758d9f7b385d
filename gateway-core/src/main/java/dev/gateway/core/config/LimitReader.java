package dev.gateway.core.config;

import dev.gateway.core.config.LimitConfig.OnExceed;
import dev.gateway.core.config.LimitConfig.Scope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks the {@code limits:} entries against each other and against the routes. */
final class LimitReader {
    private LimitReader() {}

    /** Ids unique, routes and groups exist, queue waits fit the routes' filter timeouts, cluster scope explained. */
    static void validate(List<LimitConfig> limits, List<RouteConfig> routes, boolean hasRedis, Problems p) {
        Map<String, LimitConfig> ids = new HashMap<>();
        for (LimitConfig l : limits) {
            LimitConfig prev = ids.putIfAbsent(l.id(), l);
            if (prev != null) {
                p.add(l.location(), l.path() + ".id", "limit id '" + l.id() + "' is already used at "
                        + prev.location());
            }
            List<String> named = l.routes().stream().filter(r -> !r.equals("all") && !r.startsWith("group:")).toList();
            List<String> groups = l.routes().stream().filter(r -> r.startsWith("group:")).map(r -> r.substring(6))
                    .toList();
            for (String problem : AppChecks.againstRoutes(named, groups, routes)) {
                p.add(l.location(), l.path() + ".routes", problem.substring(problem.indexOf(": ") + 2));
            }
            if (l.scope() == Scope.CLUSTER) {
                if (!hasRedis) {
                    p.add(l.location(), l.path() + ".scope", "scope: cluster needs a redis: section");
                }
                if (!l.priorityGroups().isEmpty() && l.cluster().lease() > 0) {
                    p.add(l.location(), l.path() + ".lease",
                            "a rate split among priority groups is decided in Redis: lease and priority-groups don't "
                                    + "mix");
                }
                if (l.onExceed() == OnExceed.QUEUE && l.cluster().lease() > 0) {
                    p.add(l.location(), l.path() + ".lease",
                            "a queueing limit reserves its tokens in Redis: lease and on-exceed: queue don't mix");
                }
            }
            if (l.queue() != null && l.onExceed() == OnExceed.QUEUE) {
                for (RouteConfig r : routes) {
                    if (l.covers(r.id(), r.group()) && l.queue().maxWait().compareTo(r.filterTimeout()) >= 0) {
                        p.add(l.location(), l.path() + ".queue.max-wait", "max-wait " + l.queue().maxWait().toMillis()
                                + "ms is not below the filter-timeout of route '" + r.id() + "' ("
                                + r.filterTimeout().toMillis() + "ms)");
                        break;
                    }
                }
            }
        }
    }
}
