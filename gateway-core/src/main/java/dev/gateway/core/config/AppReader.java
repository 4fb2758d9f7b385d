package dev.gateway.core.config;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code apps:} entries and checks them against the routes (unknown routes and groups, duplicate keys). */
final class AppReader {
    private AppReader() {}

    /** An app with where it was defined, for validation messages. */
    record AppEntry(App app, ConfigNode node) {}

    /** The YAML shape of one app; {@code enabled} defaults to true, {@code priority} to {@code default}. */
    record AppYaml(@Binder.Required String key, List<String> secrets, Boolean enabled, Set<String> routes,
            Set<String> routeGroups, String group, String priority, List<String> grayTags,
            Map<String, Override> limits) {
        AppYaml {
            enabled = enabled == null || enabled;
            priority = priority == null ? "default" : priority;
            Checks checks = new Checks();
            checks.check(key == null || ConfigLoader.ID.matcher(key).matches(), "key",
                    "'" + key + "' must be 1-64 letters, digits, '.', '_' or '-'");
            checks.check(!secrets.isEmpty(), "secrets", "at least one secret is required");
            for (int i = 0; i < secrets.size(); i++) {
                checks.check(!secrets.get(i).isEmpty(), "secrets[" + i + "]", "a secret may not be empty");
            }
            checks.throwIfAny();
        }
    }

    /** {@code limits: {NAME: {per-second, burst}}}: burst defaults to per-second. */
    record Override(@Binder.Required @Binder.Range(min = 1, max = Integer.MAX_VALUE) int perSecond,
            @Binder.Range(min = 1, max = Integer.MAX_VALUE) int burst) {
        Override {
            burst = burst == 0 ? perSecond : burst;
            if (burst < perSecond) {
                throw new IllegalArgumentException("burst: " + burst + " is below per-second " + perSecond);
            }
        }
    }

    static App readApp(ConfigNode node, Problems p) {
        AppYaml a = Binder.bind(node, AppYaml.class, p);
        if (a == null || a.key() == null) {
            return null;
        }
        Map<String, App.LimitOverride> limits = new LinkedHashMap<>();
        a.limits().forEach((name, o) -> limits.put(name, new App.LimitOverride(o.perSecond(), o.burst())));
        return new App(a.key(), a.secrets().stream().map(x -> x.getBytes(StandardCharsets.UTF_8)).toList(),
                a.enabled(), a.routes(), a.routeGroups(), a.group(), a.priority(), a.grayTags(), limits);
    }

    /** @param routes the routes apps may name, or null not to check the names (an apps file on its own) */
    static void validateApps(List<AppEntry> apps, List<RouteConfig> routes, Problems p) {
        Set<String> routeIds = new HashSet<>();
        Set<String> routeGroups = new HashSet<>();
        for (RouteConfig r : routes == null ? List.<RouteConfig>of() : routes) {
            routeIds.add(r.id());
            if (r.group() != null) {
                routeGroups.add(r.group());
            }
        }
        Map<String, AppEntry> keys = new HashMap<>();
        for (AppEntry e : apps) {
            AppEntry prev = keys.putIfAbsent(e.app().key(), e);
            if (prev != null) {
                p.add(e.node(), "app key '" + e.app().key() + "' is already used at " + prev.node().location());
            }
            if (routes == null) {
                continue;
            }
            for (String r : e.app().routes()) {
                if (!routeIds.contains(r)) {
                    p.add(keyLocation(e.node(), "routes"), e.node().path() + ".routes", "no route with id '" + r + "'"
                            + Suggestions.suggestion(r, routeIds));
                }
            }
            for (String g : e.app().routeGroups()) {
                if (!routeGroups.contains(g)) {
                    p.add(keyLocation(e.node(), "route-groups"), e.node().path() + ".route-groups",
                            "no route is in group '" + g + "'"
                            + Suggestions.suggestion(g, routeGroups));
                }
            }
        }
    }

    /** The line of {@code key} inside a mapping node, else the node's own. */
    static ConfigNode.Location keyLocation(ConfigNode node, String key) {
        if (node instanceof ConfigNode.MapNode m && m.entries().containsKey(key)) {
            return m.entries().get(key).location();
        }
        return node.location();
    }
}
