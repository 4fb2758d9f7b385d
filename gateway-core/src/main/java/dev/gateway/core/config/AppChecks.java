package dev.gateway.core.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks an app against the routes of a configuration, as the configuration's own {@code apps:} are checked: every
 * route id in {@code routes} and every group in {@code route-groups} must exist. Used by the admin API, whose apps
 * live in Redis, against the configuration in force.
 */
public final class AppChecks {
    private AppChecks() {}

    /** The problems of {@code app} against {@code routes}, each {@code field: message}; empty when it is fine. */
    public static List<String> againstRoutes(App app, List<RouteConfig> routes) {
        return againstRoutes(app.routes(), app.routeGroups(), routes);
    }

    /**
     * The problems of an app's {@code routes} and {@code route-groups} (as given, even when other fields of the app
     * are invalid) against {@code routes}, each {@code field: message}, in sorted order.
     */
    public static List<String> againstRoutes(Collection<String> appRoutes, Collection<String> appGroups,
            List<RouteConfig> routes) {
        Set<String> ids = new HashSet<>();
        Set<String> groups = new HashSet<>();
        for (RouteConfig r : routes) {
            ids.add(r.id());
            if (r.group() != null) {
                groups.add(r.group());
            }
        }
        List<String> problems = new ArrayList<>();
        appRoutes.stream().distinct().sorted().filter(r -> !ids.contains(r)).forEach(r -> problems.add(
                "routes: no route with id '" + r + "'" + Suggestions.suggestion(r, ids)));
        appGroups.stream().distinct().sorted().filter(g -> !groups.contains(g)).forEach(g -> problems.add(
                "route-groups: no route is in group '" + g + "'" + Suggestions.suggestion(g, groups)));
        return problems;
    }
}
