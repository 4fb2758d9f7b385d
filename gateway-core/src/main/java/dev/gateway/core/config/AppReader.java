package dev.gateway.core.config;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Reads {@code apps:} entries and checks them against the routes (unknown routes and groups, duplicate keys). */
final class AppReader {
    private AppReader() {}

    /** An app with where it was defined, for validation messages. */
    record AppEntry(App app, ConfigNode node) {}

    static App readApp(Section s) {
        Problems p = s.problems();
        String key = s.requiredString("key");
        if (key != null && !ConfigLoader.ID.matcher(key).matches()) {
            p.add(s.raw("key"), "'" + key + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<byte[]> secrets = s.scalars("secrets", n -> {
            if (n.value().isEmpty()) {
                p.add(n, "a secret may not be empty");
                return null;
            }
            return n.value().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        });
        if (s.list("secrets").isEmpty()) {
            p.add(s.node().location(), s.child("secrets"), "at least one secret is required");
        }
        boolean enabled = s.bool("enabled", true);
        Set<String> allowed = new LinkedHashSet<>(s.strings("routes"));
        Set<String> groups = new LinkedHashSet<>(s.strings("route-groups"));
        String group = s.string("group", null);
        String priority = s.string("priority", "default");
        List<String> gray = s.strings("gray-tags");
        Map<String, App.LimitOverride> limits = new LinkedHashMap<>();
        ConfigNode limitsNode = s.raw("limits");
        if (limitsNode != null && !(limitsNode instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            Section ls = Section.of(limitsNode, p);
            if (ls.node() instanceof ConfigNode.MapNode m) {
                for (var e : m.entries().entrySet()) {
                    ls.raw(e.getKey());
                    Section one = Section.of(e.getValue(), p);
                    int perSecond = one.integer("per-second", 0, 1, Integer.MAX_VALUE);
                    int burst = one.integer("burst", perSecond, 1, Integer.MAX_VALUE);
                    if (!one.has("per-second")) {
                        p.add(e.getValue().location(), one.child("per-second"), "is required");
                    } else if (burst < perSecond) {
                        p.add(keyLocation(e.getValue(), "burst"), one.child("burst"), burst
                                + " is below per-second " + perSecond);
                    }
                    one.finish();
                    limits.put(e.getKey(), new App.LimitOverride(perSecond, burst));
                }
            }
        }
        s.finish();
        if (key == null) {
            return null;
        }
        return new App(key, secrets, enabled, allowed, groups, group, priority, gray, limits);
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
