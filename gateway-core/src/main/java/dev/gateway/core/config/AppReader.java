package dev.gateway.core.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks the {@code apps:} entries against each other (duplicate keys) and against the routes. */
final class AppReader {
    private AppReader() {}

    /** An app with where it was defined, for validation messages. */
    record AppEntry(App app, ConfigNode node) {}

    /** @param routes the routes apps may name, or null not to check the names (an apps file on its own) */
    static void validateApps(List<AppEntry> apps, List<RouteConfig> routes, Problems p) {
        Map<String, AppEntry> keys = new HashMap<>();
        for (AppEntry e : apps) {
            AppEntry prev = keys.putIfAbsent(e.app().key(), e);
            if (prev != null) {
                p.add(e.node(), "app key '" + e.app().key() + "' is already used at " + prev.node().location());
            }
            for (String problem : routes == null ? List.<String>of() : AppChecks.againstRoutes(e.app(), routes)) {
                String field = problem.substring(0, problem.indexOf(": "));
                ConfigNode at = e.node() instanceof ConfigNode.MapNode m ? m.entries().get(field) : null;
                p.add(at != null ? at.location() : e.node().location(), e.node().path() + "." + field,
                        problem.substring(field.length() + 2));
            }
        }
    }
}
