package dev.gateway.core.config;

import dev.gateway.core.config.LimitConfig.Dimension;
import dev.gateway.core.config.LimitConfig.OnExceed;
import dev.gateway.core.config.LimitConfig.Quota;
import dev.gateway.core.config.LimitConfig.Rate;
import dev.gateway.core.config.LimitConfig.Scope;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code limits:} entries and {@code limits-settings:}, and checks the limits against the routes. */
final class LimitReader {
    private static final Pattern RATE = Pattern.compile("(\\d{1,12})\\s*/\\s*(s|m|h)");
    private static final Pattern QUOTA = Pattern.compile("(\\d{1,12})\\s*/\\s*(minute|hour|day)");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Token intervals below 100 ns would round by more than 1%. */
    private static final long MAX_PER_SECOND = 10_000_000;
    static final Duration DEFAULT_MAX_WAIT = Duration.ofMillis(500);
    static final int DEFAULT_MAX_LENGTH = 1000;

    private LimitReader() {}

    static LimitConfig read(ConfigNode node, Problems p) {
        Section s = Section.of(node, p);
        String id = s.requiredString("id");
        if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
            p.add(s.raw("id"), "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> routes = s.strings("routes");
        if (!s.has("routes")) {
            p.add(s.node().location(), s.child("routes"), "is required: route ids, \"group:NAME\" or [all]");
        }
        Set<String> methods = new LinkedHashSet<>(s.scalars("methods", n -> n.value().trim().toUpperCase(Locale.ROOT)));
        List<Dimension> key = readKey(s);
        ConfigNode rateNode = s.raw("rate");
        ConfigNode quotaNode = s.raw("quota");
        ConfigNode concurrencyNode = s.raw("concurrency");
        int kinds = (present(rateNode) ? 1 : 0) + (present(quotaNode) ? 1 : 0) + (present(concurrencyNode) ? 1 : 0);
        if (kinds != 1) {
            p.add(s.node().location(), s.node().path(), kinds == 0
                    ? "a limit needs one of rate (N/s, N/m), quota (N/minute, N/hour, N/day) or concurrency"
                    : "rate, quota and concurrency are separate limits: give one per entry");
        }
        Rate rate = present(rateNode) ? rate(rateNode, p) : null;
        long burst = 0;
        if (s.has("burst")) {
            burst = s.integer("burst", 1, 1, Integer.MAX_VALUE);
            if (!present(rateNode)) {
                p.add(s.raw("burst"), "burst applies to a rate");
            }
        } else {
            s.raw("burst");
        }
        if (rate != null && burst == 0) {
            burst = rate.perSecondCeil();
        }
        ZoneId zone = ZoneOffset.UTC;
        ConfigNode tzNode = s.raw("time-zone");
        if (present(tzNode)) {
            if (!present(quotaNode)) {
                p.add(tzNode, "time-zone applies to a quota");
            }
            try {
                zone = ZoneId.of(((ConfigNode.ScalarNode) tzNode).value().trim());
            } catch (DateTimeException | ClassCastException e) {
                p.add(tzNode, "unknown time zone (use a region such as Asia/Shanghai, or UTC)");
            }
        }
        Quota quota = present(quotaNode) ? quota(quotaNode, zone, p) : null;
        int concurrency = present(concurrencyNode) ? s.integer("concurrency", 1, 1, 10_000_000) : 0;
        Scope scope = s.enumValue("scope", Scope.class, Scope.LOCAL);
        for (String clusterKey : List.of("on-redis-error", "expected-nodes", "lease")) {
            ConfigNode n = s.raw(clusterKey);
            if (n != null && scope != Scope.CLUSTER) {
                p.add(n, clusterKey + " applies to scope: cluster");
            }
        }
        LimitConfig.Cluster cluster = null;
        if (scope == Scope.CLUSTER) {
            int lease = 0;
            Duration leaseMaxAge = LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE;
            ConfigNode leaseNode = s.raw("lease");
            if (present(leaseNode)) {
                if (leaseNode instanceof ConfigNode.MapNode) {
                    Section ls = Section.of(leaseNode, p);
                    lease = ls.integer("tokens", 0, 1, 1_000_000);
                    leaseMaxAge = ls.positiveDuration("max-age", leaseMaxAge);
                    if (lease == 0) {
                        p.add(leaseNode, "lease needs tokens: how many a node takes from Redis at once");
                    }
                    ls.finish();
                } else {
                    lease = s.integer("lease", 0, 1, 1_000_000);
                }
                if (!present(rateNode)) {
                    p.add(leaseNode, "lease applies to a rate (a cluster quota counts every request in Redis)");
                } else if (lease > burst) {
                    p.add(leaseNode, "lease " + lease + " is above the burst (" + burst
                            + "): a node cannot take more tokens than the bucket holds");
                }
            }
            cluster = new LimitConfig.Cluster(
                    s.enumValue("on-redis-error", LimitConfig.OnRedisError.class, LimitConfig.OnRedisError.FAIL_OPEN),
                    s.integer("expected-nodes", 1, 1, 10_000), lease, leaseMaxAge);
            if (present(concurrencyNode)) {
                p.add(s.raw("scope"), "a concurrency limit is local-only for now (scope: cluster counts rates and "
                        + "quotas)");
            }
        }
        OnExceed onExceed = s.enumValue("on-exceed", OnExceed.class, OnExceed.REJECT);
        LimitConfig.Queue queue = null;
        ConfigNode queueNode = s.raw("queue");
        if (present(queueNode)) {
            Section qs = Section.of(queueNode, p);
            Duration maxWait = qs.positiveDuration("max-wait", DEFAULT_MAX_WAIT);
            int maxLength = qs.integer("max-length", DEFAULT_MAX_LENGTH, 1, 10_000_000);
            qs.finish();
            queue = new LimitConfig.Queue(maxWait, maxLength);
            if (onExceed != OnExceed.QUEUE) {
                p.add(queueNode, "queue applies only with on-exceed: queue");
            }
        }
        if (onExceed == OnExceed.QUEUE) {
            if (!present(rateNode)) {
                p.add(s.raw("on-exceed"), "on-exceed: queue needs a rate (a quota or concurrency limit cannot wait)");
            }
            if (queue == null) {
                queue = new LimitConfig.Queue(DEFAULT_MAX_WAIT, DEFAULT_MAX_LENGTH);
            }
        }
        LimitConfig.Fallback fallback = null;
        ConfigNode fallbackNode = s.raw("fallback");
        if (present(fallbackNode)) {
            fallback = fallback(Section.of(fallbackNode, p));
            if (onExceed != OnExceed.FALLBACK) {
                p.add(fallbackNode, "fallback applies only with on-exceed: fallback");
            }
        } else if (onExceed == OnExceed.FALLBACK) {
            p.add(s.raw("on-exceed"), "on-exceed: fallback needs a fallback: {status, headers, body}");
        }
        Map<String, Integer> groups = new LinkedHashMap<>();
        ConfigNode groupsNode = s.raw("priority-groups");
        if (present(groupsNode)) {
            if (rate == null) {
                p.add(groupsNode, "priority-groups split a rate");
            }
            Section gs = Section.of(groupsNode, p);
            for (String name : gs.node() instanceof ConfigNode.MapNode m ? m.entries().keySet() : Set.<String>of()) {
                groups.put(name, gs.integer(name, 1, 1, 1_000_000));
            }
            gs.finish();
            if (groups.size() == 1) {
                p.add(groupsNode, "list at least two priority groups");
            }
        }
        List<LimitConfig.Override> overrides = new ArrayList<>();
        ConfigNode overridesNode = s.raw("overrides");
        if (present(overridesNode)) {
            if (rate == null) {
                p.add(overridesNode, "overrides change a rate");
            }
            Section os = Section.of(overridesNode, p);
            if (os.node() instanceof ConfigNode.MapNode m) {
                for (var e : m.entries().entrySet()) {
                    os.raw(e.getKey());
                    LimitConfig.Override o = override(e.getKey(), e.getValue(), key, p);
                    if (o != null) {
                        overrides.add(o);
                    }
                }
            }
        }
        s.finish();
        if (rate != null && burst < 1) {
            burst = 1;
        }
        if (id == null) {
            return null;
        }
        return new LimitConfig(id, s.node().location(), s.node().path(), routes, methods, key, rate, burst, quota,
                concurrency, scope, onExceed, queue, fallback, groups, overrides, cluster);
    }

    private static boolean present(ConfigNode n) {
        return n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null);
    }

    private static Dimension dimension(ConfigNode.ScalarNode n) {
        String v = n.value().trim();
        String lower = v.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "route":
                return new Dimension(Dimension.Type.ROUTE, null);
            case "app":
                return new Dimension(Dimension.Type.APP, null);
            case "ip":
                return new Dimension(Dimension.Type.IP, null);
            default:
                if (lower.startsWith("header:") && HEADER_NAME.matcher(v.substring(7)).matches()) {
                    return new Dimension(Dimension.Type.HEADER, lower.substring(7));
                }
                throw new KeyProblem("unknown key dimension '" + v + "' (known: route, app, ip, header:NAME)");
        }
    }

    /** An unknown dimension, reported by {@link #readKey} at its item. */
    private static final class KeyProblem extends RuntimeException {
        KeyProblem(String message) {
            super(message, null, false, false);
        }
    }

    private static Rate rate(ConfigNode n, Problems p) {
        Rate r = parseRate(n, p);
        if (r != null && r.count() * 1e9 / r.period().toNanos() > MAX_PER_SECOND) {
            p.add(n, "'" + scalar(n) + "' is above " + MAX_PER_SECOND + "/s");
            return null;
        }
        return r;
    }

    private static Rate parseRate(ConfigNode n, Problems p) {
        String v = scalar(n);
        Matcher m = v == null ? null : RATE.matcher(v.trim());
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) == 0) {
            p.add(n, "expected a rate such as 100/s or 600/m (N above 0), found '" + (v == null ? n.kind() : v)
                    + "'");
            return null;
        }
        Duration period = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return new Rate(Long.parseLong(m.group(1)), period);
    }

    private static Quota quota(ConfigNode n, ZoneId zone, Problems p) {
        String v = scalar(n);
        Matcher m = v == null ? null : QUOTA.matcher(v.trim());
        if (m == null || !m.matches() || Long.parseLong(m.group(1)) == 0
                || Long.parseLong(m.group(1)) > Integer.MAX_VALUE) {
            p.add(n, "expected a quota such as 100000/day, 5000/hour or 100/minute (N in 1.." + Integer.MAX_VALUE
                    + "), found '" + (v == null ? n.kind() : v) + "'");
            return null;
        }
        return new Quota(Long.parseLong(m.group(1)), Quota.Window.valueOf(m.group(2).toUpperCase(Locale.ROOT)), zone);
    }

    private static String scalar(ConfigNode n) {
        return n instanceof ConfigNode.ScalarNode s ? s.value() : null;
    }

    private static LimitConfig.Fallback fallback(Section f) {
        int status = f.integer("status", 200, 100, 599);
        Map<String, String> headers = new LinkedHashMap<>();
        Section hs = f.section("headers");
        if (hs.node() instanceof ConfigNode.MapNode m) {
            for (String name : m.entries().keySet()) {
                String value = hs.string(name, "");
                if (!HEADER_NAME.matcher(name).matches()) {
                    f.problems().add(m.entries().get(name), "'" + name + "' is not a header name");
                } else if (Set.of("content-length", "transfer-encoding", "connection", "x-request-id")
                        .contains(name.toLowerCase(Locale.ROOT))) {
                    f.problems().add(m.entries().get(name), "the gateway sets " + name + " itself");
                } else {
                    headers.put(name, value);
                }
            }
        }
        hs.finish();
        String body = f.string("body", "");
        f.finish();
        return new LimitConfig.Fallback(status, headers, body);
    }

    private static LimitConfig.Override override(String text, ConfigNode value, List<Dimension> key, Problems p) {
        Section os = Section.of(value, p);
        ConfigNode rateNode = os.raw("rate");
        Rate rate = present(rateNode) ? rate(rateNode, p) : null;
        if (!present(rateNode)) {
            p.add(value.location(), os.child("rate"), "is required");
        }
        long burst = os.has("burst") ? os.integer("burst", 1, 1, Integer.MAX_VALUE) : 0;
        os.finish();
        if (rate != null && burst == 0) {
            burst = rate.perSecondCeil();
        }
        if (text.startsWith("ip:")) {
            if (key.stream().noneMatch(d -> d.type() == Dimension.Type.IP)) {
                p.add(value, "an ip override needs ip in the limit's key");
                return null;
            }
            InetAddress a = literalAddress(text.substring(3));
            if (a == null) {
                p.add(value, "'" + text.substring(3) + "' is not an IP address");
                return null;
            }
            return rate == null ? null : new LimitConfig.Override(text, a, null, null, rate, burst);
        }
        if (text.startsWith("header:") && text.indexOf('=') > 7) {
            String name = text.substring(7, text.indexOf('=')).toLowerCase(Locale.ROOT);
            if (key.stream().noneMatch(d -> d.type() == Dimension.Type.HEADER && d.header().equals(name))) {
                p.add(value, "a header override needs header:" + name + " in the limit's key");
                return null;
            }
            return rate == null ? null
                    : new LimitConfig.Override(text, null, name, text.substring(text.indexOf('=') + 1), rate, burst);
        }
        p.add(value, "an override is \"ip:ADDRESS\" or \"header:NAME=VALUE\", found '" + text + "'");
        return null;
    }

    /** Parses an IPv4 or IPv6 literal without any name lookup; null when it is not one. */
    static InetAddress literalAddress(String s) {
        String t = s.trim();
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.indexOf(':') >= 0 && t.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(t); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Reads the {@code key} list, reporting unknown dimensions at their item. */
    static List<Dimension> readKey(Section s) {
        List<Dimension> out = new ArrayList<>();
        for (ConfigNode item : s.list("key")) {
            if (item instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
                try {
                    out.add(dimension(sn));
                } catch (KeyProblem e) {
                    s.problems().add(item, e.getMessage());
                }
            } else {
                s.problems().add(item, "expected a scalar, found " + item.kind());
            }
        }
        return out;
    }

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
