package dev.gateway.core.config;

import dev.gateway.core.config.LimitConfig.OnExceed;
import dev.gateway.core.config.LimitConfig.Scope;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks the {@code limits:} entries against each other and against the routes. */
final class LimitReader {
    private LimitReader() {}

    /** Ids unique, routes and groups exist, queue waits fit the routes' filter timeouts, cluster scope explained. */
    static void validate(List<LimitConfig> limits, List<RouteConfig> routes, boolean hasRedis, Problems p) {
        Map<String, RouteConfig> byId = new LinkedHashMap<>();
        Set<String> groups = new HashSet<>();
        for (RouteConfig r : routes) {
            byId.putIfAbsent(r.id(), r);
            if (r.group() != null) {
                groups.add(r.group());
            }
        }
        Map<String, LimitConfig> ids = new HashMap<>();
        for (LimitConfig l : limits) {
            LimitConfig prev = ids.putIfAbsent(l.id(), l);
            if (prev != null) {
                p.add(l.location(), l.path() + ".id", "limit id '" + l.id() + "' is already used at "
                        + prev.location());
            }
            for (String r : l.routes()) {
                if (r.equals("all")) {
                    continue;
                }
                if (r.startsWith("group:")) {
                    String g = r.substring(6);
                    if (!groups.contains(g)) {
                        p.add(l.location(), l.path() + ".routes", "no route is in group '" + g + "'"
                                + Suggestions.suggestion(g, groups));
                    }
                } else if (!byId.containsKey(r)) {
                    p.add(l.location(), l.path() + ".routes", "no route with id '" + r + "'"
                            + Suggestions.suggestion(r, byId.keySet()));
                }
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
