package dev.gateway.core.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds one entry of {@code routes:} to a {@link RouteConfig} and builds its {@code filters:} through the filter
 * factories (in their chain order, whatever the YAML order); then the global defaults of filters a route does not
 * name, and the checks across routes and upstreams (ids, duplicate matches, fallbacks).
 */
final class RouteReader {
    private final List<FilterType<?>> filters;
    /** Skip routes' filter sections (a settings-only load, before the filter factories exist). */
    private final boolean skipFilters;

    /** @param filters the filter factories in their fixed chain order */
    RouteReader(List<FilterType<?>> filters, boolean skipFilters) {
        this.filters = filters;
        this.skipFilters = skipFilters;
    }

    private List<FilterSpec> readFilters(ConfigNode n, Problems problems) {
        if (n == null || skipFilters || n instanceof ConfigNode.ScalarNode s && s.value() == null) {
            return List.of();
        }
        if (!(n instanceof ConfigNode.MapNode m)) {
            problems.add(n, "expected a mapping, found " + n.kind());
            return List.of();
        }
        List<FilterSpec> out = new ArrayList<>();
        // The chain order is the factories' order, whatever the YAML order.
        for (FilterType<?> f : filters) {
            if (m.entries().containsKey(f.name()) || f.impliedBy().stream().anyMatch(m.entries()::containsKey)) {
                ConfigNode section = m.entries().get(f.name());
                section = section != null ? section
                        : new ConfigNode.ScalarNode(m.location(), m.path() + "." + f.name(), null);
                Object cfg = f.read(section, problems);
                if (cfg != null) {
                    out.add(new FilterSpec(f, cfg, section.location(), section.path()));
                }
            }
        }
        for (var e : m.entries().entrySet()) {
            if (filters.stream().noneMatch(f -> f.name().equals(e.getKey()))) {
                problems.add(e.getValue().location(), m.path() + "." + e.getKey(), "unknown filter '" + e.getKey()
                        + "' (known: " + String.join(", ", filters.stream().map(FilterType::name).toList()) + ")");
            }
        }
        return out;
    }

    /** Top-level sections of filters that have a global default ({@link FilterType#hasGlobalDefault()}). */
    List<FilterSpec> readGlobalFilters(Section main) {
        List<FilterSpec> out = new ArrayList<>();
        for (FilterType<?> f : filters) {
            if (f.hasGlobalDefault() && main.has(f.name())) {
                ConfigNode section = main.raw(f.name()); // marks the key as read
                Object cfg = f.read(section, main.problems());
                if (cfg != null && !skipFilters) {
                    out.add(new FilterSpec(f, cfg, section.location(), section.path()));
                }
            }
        }
        return out;
    }

    RouteConfig read(ConfigNode node, Problems p) {
        RouteConfig r = Binder.bind(node, RouteConfig.class, p);
        List<FilterSpec> chain = readFilters(node instanceof ConfigNode.MapNode m ? m.entries().get("filters") : null,
                p);
        return r == null || r.id() == null ? null : r.withFilters(chain);
    }

    static void validate(Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Problems p) {
        for (UpstreamConfig u : upstreams.values()) {
            if (!(u.fallback() instanceof FallbackConfig.Upstream f)) {
                continue;
            }
            UpstreamConfig target = upstreams.get(f.upstream());
            if (target == null) {
                p.add(f.at(), "no upstream named '" + f.upstream() + "'"
                        + Suggestions.suggestion(f.upstream(), upstreams.keySet()));
            } else if (target == u) {
                p.add(f.at(), "an upstream cannot be its own fallback");
            } else if (target.fallback() != null && target.fallback().upstream() != null) {
                p.add(f.at(), "upstream '" + f.upstream() + "' has a fallback upstream of its own ('"
                        + target.fallback().upstream() + "'); fallbacks do not chain");
            }
        }
        Map<String, RouteConfig> ids = new HashMap<>();
        Map<String, RouteConfig> keys = new HashMap<>();
        for (RouteConfig r : routes) {
            RouteConfig prev = ids.putIfAbsent(r.id(), r);
            if (prev != null) {
                p.add(r.location(), r.path() + ".id",
                        "route id '" + r.id() + "' is already used at " + prev.location());
            }
            if (r.upstream() != null && !upstreams.containsKey(r.upstream())) {
                p.add(r.upstreamLocation(), r.path() + ".upstream", "no upstream named '" + r.upstream() + "'"
                        + Suggestions.suggestion(r.upstream(), upstreams.keySet()));
            }
            List<String> hosts = r.hosts().isEmpty() ? List.of("") : r.hosts();
            List<String> methods = r.methods().isEmpty() ? List.of("") : List.copyOf(r.methods());
            for (String h : hosts) {
                for (String path : r.paths().stream().filter(x -> PathSyntax.validate(x) == null).toList()) {
                    for (String m : methods) {
                        String key = h + " " + PathSyntax.canonical(path) + " " + m;
                        RouteConfig other = keys.putIfAbsent(key, r);
                        if (other != null && other != r) {
                            p.add(r.location(), r.path() + ".paths", "route '" + r.id() + "' matches the same "
                                    + (h.isEmpty() ? "" : "host " + h + ", ") + "path " + path
                                    + (m.isEmpty() ? "" : " and method " + m) + " as route '" + other.id()
                                    + "' at " + other.location());
                        }
                    }
                }
            }
        }
    }
}
