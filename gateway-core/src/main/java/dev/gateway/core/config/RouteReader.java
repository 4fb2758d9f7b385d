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

    private List<FilterSpec> readFilters(Section route) {
        ConfigNode n = route.raw("filters");
        if (n == null || n instanceof ConfigNode.ScalarNode sn && sn.value() == null || skipFilters) {
            return List.of();
        }
        Section fs = Section.of(n, route.problems());
        List<FilterSpec> out = new ArrayList<>();
        // The chain order is the factories' order, whatever the YAML order.
        Set<String> named = fs.node() instanceof ConfigNode.MapNode m ? m.entries().keySet() : Set.of();
        for (FilterType<?> f : filters) {
            boolean implied = f.impliedBy().stream().anyMatch(named::contains);
            if (named.contains(f.name()) || implied) {
                ConfigNode section = sectionNode(fs, f.name());
                Object cfg = f.read(section, route.problems());
                if (cfg != null) {
                    out.add(new FilterSpec(f, cfg, section.location(), section.path()));
                }
            }
        }
        if (fs.node() instanceof ConfigNode.MapNode m) {
            for (var e : m.entries().entrySet()) {
                if (filters.stream().noneMatch(f -> f.name().equals(e.getKey()))) {
                    route.problems().add(e.getValue().location(), fs.child(e.getKey()), "unknown filter '"
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

    RouteConfig read(Section s) {
        Problems p = s.problems();
        String id = s.requiredString("id");
        if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
            p.add(s.node().location(), s.child("id"), "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> hosts = s.scalars("hosts", n -> {
            String h = n.value().trim().toLowerCase(Locale.ROOT);
            if (!HOST.matcher(h).matches()) {
                p.add(n, "expected a host name or *.domain, found '" + n.value() + "'");
                return null;
            }
            return h;
        });
        List<String> paths = s.scalars("paths", n -> {
            String err = PathSyntax.validate(n.value());
            if (err != null) {
                p.add(n, err);
                return null;
            }
            return n.value();
        });
        if (!s.has("paths")) {
            p.add(s.node().location(), s.child("paths"), "at least one path is required (use /** for all)");
        }
        Set<String> methods = new LinkedHashSet<>(s.scalars("methods", n -> {
            String m = n.value().trim().toUpperCase(Locale.ROOT);
            if (!TOKEN.matcher(m).matches()) {
                p.add(n, "'" + n.value() + "' is not an HTTP method");
                return null;
            }
            return m;
        }));
        String upstream = s.string("upstream", null);
        MockConfig mock = s.has("mock") ? MockReader.read(s.section("mock")) : null;
        if (!s.has("mock")) {
            s.raw("mock");
        }
        BatchConfig batch = s.has("batch") ? Binder.bind(s.raw("batch"), BatchConfig.class, p) : null;
        if (!s.has("batch")) {
            s.raw("batch");
        }
        int terminals = (upstream != null ? 1 : 0) + (mock != null ? 1 : 0) + (batch != null ? 1 : 0);
        if (terminals > 1) {
            p.add(s.node().location(), s.child(batch != null ? "batch" : "mock"),
                    "use one of upstream, mock and batch");
        } else if (terminals == 0) {
            p.add(s.node().location(), s.child("upstream"), "is required (or mock, or batch)");
        }
        ConfigNode.Location upstreamLoc = s.has("upstream") ? s.raw("upstream").location() : s.node().location();
        RouteConfig.Rewrite rewrite = null;
        String strip = s.string("strip-prefix", null);
        Section replace = s.has("replace-prefix") ? s.section("replace-prefix") : null;
        if (!s.has("replace-prefix")) {
            s.raw("replace-prefix");
        }
        if (strip != null && replace != null) {
            p.add(s.node().location(), s.child("replace-prefix"), "use strip-prefix or replace-prefix, not both");
        } else if (strip != null) {
            String err = PathSyntax.validatePrefix(strip);
            if (err != null) {
                p.add(s.raw("strip-prefix"), err);
            } else {
                rewrite = new RouteConfig.Rewrite(trimSlash(strip), "");
            }
        } else if (replace != null) {
            String from = replace.requiredString("from");
            String to = replace.requiredString("to");
            replace.finish();
            if (from != null && to != null) {
                String e1 = PathSyntax.validatePrefix(from);
                String e2 = PathSyntax.validatePrefix(to);
                if (e1 != null) {
                    p.add(replace.raw("from"), e1);
                } else if (e2 != null) {
                    p.add(replace.raw("to"), e2);
                } else {
                    rewrite = new RouteConfig.Rewrite(trimSlash(from), trimSlash(to));
                }
            }
        }
        Duration timeout = s.positiveDuration("timeout", Duration.ofSeconds(30));
        Duration filterTimeout = s.positiveDuration("filter-timeout", Duration.ofSeconds(5));
        String group = s.string("group", null);
        boolean websocket = s.bool("websocket", false);
        Duration websocketIdle = s.positiveDuration("websocket-idle-timeout", DEFAULT_WEBSOCKET_IDLE);
        RetriesConfig retries = s.has("retries") ? RetriesReader.read(s.raw("retries"), p) : null;
        if (!s.has("retries")) {
            s.raw("retries");
        }
        if (retries != null && (mock != null || batch != null)) {
            p.add(s.raw("retries").location(), s.child("retries"), mock != null
                    ? "a mock route has no upstream to retry"
                    : "a batch route has no upstream to retry (each item follows its own route's retries)");
        }
        List<FilterSpec> routeFilters = readFilters(s);
        CircuitBreakerConfig breaker = s.has("circuit-breaker")
                ? ResilienceReader.circuitBreaker(s.raw("circuit-breaker"), p) : null;
        s.raw("circuit-breaker");
        if (breaker != null && (mock != null || batch != null)) {
            p.add(s.raw("circuit-breaker"), mock != null
                    ? "a mock route has no upstream to guard"
                    : "a batch route has no upstream to guard (each item follows its own route's breaker)");
        }
        s.finish();
        if (id == null) {
            return null;
        }
        return new RouteConfig(id, s.node().location(), s.node().path(), hosts, paths, methods, upstream,
                upstreamLoc, rewrite, timeout, filterTimeout, group, routeFilters, websocket, websocketIdle, mock,
                batch, retries, breaker);
    }

    private static String trimSlash(String prefix) {
        return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    static void validate(Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, Problems p) {
        for (UpstreamConfig u : upstreams.values()) {
            FallbackConfig f = u.fallback();
            if (f == null || f.upstream() == null) {
                continue;
            }
            UpstreamConfig target = upstreams.get(f.upstream());
            if (target == null) {
                p.add(f.location(), f.path(), "no upstream named '" + f.upstream() + "'"
                        + Suggestions.suggestion(f.upstream(), upstreams.keySet()));
            } else if (target == u) {
                p.add(f.location(), f.path(), "an upstream cannot be its own fallback");
            } else if (target.fallback() != null && target.fallback().upstream() != null) {
                p.add(f.location(), f.path(), "upstream '" + f.upstream() + "' has a fallback upstream of its own ('"
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
