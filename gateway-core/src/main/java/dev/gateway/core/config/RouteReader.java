package dev.gateway.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads one entry of {@code routes:} into a {@link RouteConfig}: what it matches, its terminal (upstream, mock or
 * batch), its retries and breaker, and its {@code filters:} through the filter factories (in their chain order,
 * whatever the YAML order); then the global defaults of filters a route does not name, and the checks across routes
 * and upstreams (ids, duplicate matches, fallbacks).
 */
final class RouteReader {
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    /** A WebSocket relay without a byte either way for this long is closed (nginx's proxy_read_timeout default). */
    static final Duration DEFAULT_WEBSOCKET_IDLE = Duration.ofSeconds(60);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final List<FilterType<?>> filters;
    /** Skip routes' filter sections (a settings-only load, before the filter factories exist). */
    private final boolean skipFilters;

    /** @param filters the filter factories in their fixed chain order */
    RouteReader(List<FilterType<?>> filters, boolean skipFilters) {
        this.filters = filters;
        this.skipFilters = skipFilters;
    }

    private List<FilterSpec> readFilters(ConfigNode n, Problems problems) {
        if (n == null || skipFilters) {
            return List.of();
        }
        Section fs = Section.of(n, problems);
        List<FilterSpec> out = new ArrayList<>();
        // The chain order is the factories' order, whatever the YAML order.
        Set<String> named = fs.node() instanceof ConfigNode.MapNode m ? m.entries().keySet() : Set.of();
        for (FilterType<?> f : filters) {
            boolean implied = f.impliedBy().stream().anyMatch(named::contains);
            if (named.contains(f.name()) || implied) {
                ConfigNode section = sectionNode(fs, f.name());
                Object cfg = f.read(section, problems);
                if (cfg != null) {
                    out.add(new FilterSpec(f, cfg, section.location(), section.path()));
                }
            }
        }
        if (fs.node() instanceof ConfigNode.MapNode m) {
            for (var e : m.entries().entrySet()) {
                if (filters.stream().noneMatch(f -> f.name().equals(e.getKey()))) {
                    problems.add(e.getValue().location(), fs.child(e.getKey()), "unknown filter '"
                            + e.getKey() + "' (known: " + String.join(", ", filters.stream().map(FilterType::name)
                            .toList()) + ")");
                    fs.raw(e.getKey());
                }
            }
        }
        return out;
    }

    /** The node of {@code key} in {@code s}, marked as read; an empty one at {@code s} when absent. */
    private static ConfigNode sectionNode(Section s, String key) {
        ConfigNode n = s.raw(key);
        return n != null ? n : new ConfigNode.ScalarNode(s.node().location(), s.child(key), null);
    }

    /** Top-level sections of filters that have a global default ({@link FilterType#hasGlobalDefault()}). */
    List<FilterSpec> readGlobalFilters(Section main) {
        List<FilterSpec> out = new ArrayList<>();
        for (FilterType<?> f : filters) {
            if (f.hasGlobalDefault() && main.has(f.name())) {
                ConfigNode section = sectionNode(main, f.name());
                Object cfg = f.read(section, main.problems());
                if (cfg != null && !skipFilters) {
                    out.add(new FilterSpec(f, cfg, section.location(), section.path()));
                }
            }
        }
        return out;
    }

    /** {@code r} with the global defaults of the filters it does not name itself, in chain order. */
    RouteConfig withDefaults(RouteConfig r, List<FilterSpec> defaults) {
        List<FilterSpec> chain = new ArrayList<>(r.filters());
        boolean changed = false;
        for (FilterSpec d : defaults) {
            if (chain.stream().noneMatch(f -> f.type() == d.type())) {
                chain.add(d);
                changed = true;
            }
        }
        if (!changed) {
            return r;
        }
        chain.sort(java.util.Comparator.comparingInt(f -> filters.indexOf(f.type())));
        return r.withFilters(chain);
    }

    /** The YAML shape of one route; the rules across its keys are in {@link #validate}. */
    record Route(@Binder.Required String id, List<String> hosts, List<String> paths, List<String> methods,
            String upstream, MockConfig mock, BatchConfig batch, String stripPrefix, Replace replacePrefix,
            @Binder.Positive Duration timeout, @Binder.Positive Duration filterTimeout, String group,
            boolean websocket, @Binder.Positive Duration websocketIdleTimeout, RetriesConfig retries,
            ConfigNode filters, CircuitBreakerConfig circuitBreaker) implements Binder.Validated {
        static Route defaults() {
            return new Route(null, List.of(), List.of(), List.of(), null, null, null, null, null,
                    Duration.ofSeconds(30), Duration.ofSeconds(5), null, false, DEFAULT_WEBSOCKET_IDLE, null, null,
                    null);
        }

        @Override
        public void validate(Problems p) {
            if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
                p.addAtMapping("id", "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
            }
            for (int i = 0; i < hosts.size(); i++) {
                if (!HOST.matcher(hosts.get(i).trim()).matches()) {
                    p.add("hosts[" + i + "]", "expected a host name or *.domain, found '" + hosts.get(i) + "'");
                }
            }
            for (int i = 0; i < paths.size(); i++) {
                String err = PathSyntax.validate(paths.get(i));
                if (err != null) {
                    p.add("paths[" + i + "]", err);
                }
            }
            if (paths.isEmpty()) {
                p.addAtMapping("paths", "at least one path is required (use /** for all)");
            }
            for (int i = 0; i < methods.size(); i++) {
                if (!TOKEN.matcher(methods.get(i).trim()).matches()) {
                    p.add("methods[" + i + "]", "'" + methods.get(i) + "' is not an HTTP method");
                }
            }
            int terminals = (upstream != null ? 1 : 0) + (mock != null ? 1 : 0) + (batch != null ? 1 : 0);
            if (terminals > 1) {
                p.addAtMapping(batch != null ? "batch" : "mock", "use one of upstream, mock and batch");
            } else if (terminals == 0) {
                p.addAtMapping("upstream", "is required (or mock, or batch)");
            }
            if (stripPrefix != null && replacePrefix != null) {
                p.addAtMapping("replace-prefix", "use strip-prefix or replace-prefix, not both");
            } else if (stripPrefix != null && PathSyntax.validatePrefix(stripPrefix) != null) {
                p.add("strip-prefix", PathSyntax.validatePrefix(stripPrefix));
            }
            if (retries != null && (mock != null || batch != null)) {
                p.add("retries", mock != null ? "a mock route has no upstream to retry"
                        : "a batch route has no upstream to retry (each item follows its own route's retries)");
            }
            if (circuitBreaker != null && (mock != null || batch != null)) {
                p.add("circuit-breaker", mock != null ? "a mock route has no upstream to guard"
                        : "a batch route has no upstream to guard (each item follows its own route's breaker)");
            }
        }
    }

    /** {@code replace-prefix: {from, to}}. */
    record Replace(@Binder.Required String from, @Binder.Required String to) implements Binder.Validated {
        @Override
        public void validate(Problems p) {
            String e1 = from == null ? null : PathSyntax.validatePrefix(from);
            String e2 = to == null ? null : PathSyntax.validatePrefix(to);
            if (e1 != null) {
                p.add("from", e1);
            } else if (e2 != null) {
                p.add("to", e2);
            }
        }
    }

    RouteConfig read(ConfigNode node, Problems p) {
        Route r = Binder.bind(node, Route.class, p);
        List<FilterSpec> routeFilters = readFilters(r.filters(), p);
        if (r.id() == null) {
            return null;
        }
        RouteConfig.Rewrite rewrite = null;
        if (r.stripPrefix() != null && r.replacePrefix() == null) {
            rewrite = new RouteConfig.Rewrite(trimSlash(r.stripPrefix()), "");
        } else if (r.replacePrefix() != null && r.stripPrefix() == null && r.replacePrefix().from() != null
                && r.replacePrefix().to() != null) {
            rewrite = new RouteConfig.Rewrite(trimSlash(r.replacePrefix().from()), trimSlash(r.replacePrefix().to()));
        }
        ConfigNode.MapNode map = (ConfigNode.MapNode) node;
        ConfigNode upstreamNode = map.entries().get("upstream");
        return new RouteConfig(r.id(), node.location(), node.path(),
                r.hosts().stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList(),
                r.paths().stream().filter(x -> PathSyntax.validate(x) == null).toList(),
                new LinkedHashSet<>(r.methods().stream().map(m -> m.trim().toUpperCase(Locale.ROOT)).toList()),
                r.upstream(), upstreamNode != null ? upstreamNode.location() : node.location(), rewrite, r.timeout(),
                r.filterTimeout(), r.group(), routeFilters, r.websocket(), r.websocketIdleTimeout(), r.mock(), r.batch(),
                r.retries(), r.circuitBreaker());
    }

    private static String trimSlash(String prefix) {
        return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
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
                for (String path : r.paths()) {
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
