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

/** Binds {@code limits:} entries, and checks the limits against the routes. */
final class LimitReader {
    private static final Pattern RATE = Pattern.compile("(\\d{1,12})\\s*/\\s*(s|m|h)");
    private static final Pattern QUOTA = Pattern.compile("(\\d{1,12})\\s*/\\s*(minute|hour|day)");
    /** Token intervals below 100 ns would round by more than 1%. */
    private static final long MAX_PER_SECOND = 10_000_000;

    private LimitReader() {}

    /** The YAML shape of one {@code limits:} entry; the rules about which keys go together are in validate(). */
    record Limit(@Binder.Required String id, List<String> routes, List<String> methods, List<Dimension> key,
            ConfigNode rate, @Binder.Range(min = 1, max = Integer.MAX_VALUE) int burst, ConfigNode quota,
            String timeZone, @Binder.Range(min = 1, max = 10_000_000) int concurrency, Scope scope,
            LimitConfig.OnRedisError onRedisError, @Binder.Range(min = 1, max = 10_000) int expectedNodes,
            ConfigNode lease, OnExceed onExceed, LimitConfig.Queue queue, LimitConfig.Fallback fallback,
            @Binder.Range(min = 1, max = 1_000_000) Map<String, Integer> priorityGroups, ConfigNode overrides)
            implements Binder.Validated {
        static Limit defaults() {
            return new Limit(null, List.of(), List.of(), List.of(), null, 0, null, null, 0, Scope.LOCAL,
                    LimitConfig.OnRedisError.FAIL_OPEN, 1, null, OnExceed.REJECT, null, null, Map.of(), null);
        }

        @Override
        public void validate(Problems p) {
            Map<String, ConfigNode> e = p.scope().entries();
            if (!e.containsKey("routes")) {
                p.addAtMapping("routes", "is required: route ids, \"group:NAME\" or [all]");
            }
            if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
                p.add("id", "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
            }
            int kinds = (rate != null ? 1 : 0) + (quota != null ? 1 : 0) + (present(e.get("concurrency")) ? 1 : 0);
            if (kinds != 1) {
                p.add(p.scope(), kinds == 0
                        ? "a limit needs one of rate (N/s, N/m), quota (N/minute, N/hour, N/day) or concurrency"
                        : "rate, quota and concurrency are separate limits: give one per entry");
            }
            check(p, present(e.get("burst")) && rate == null, "burst", "burst applies to a rate");
            check(p, timeZone != null && quota == null, "time-zone", "time-zone applies to a quota");
            for (String k : List.of("on-redis-error", "expected-nodes", "lease")) {
                check(p, e.containsKey(k) && scope != Scope.CLUSTER, k, k + " applies to scope: cluster");
            }
            check(p, scope == Scope.CLUSTER && lease != null && rate == null, "lease",
                    "lease applies to a rate (a cluster quota counts every request in Redis)");
            check(p, scope == Scope.CLUSTER && present(e.get("concurrency")), "scope",
                    "a concurrency limit is local-only for now (scope: cluster counts rates and quotas)");
            check(p, queue != null && onExceed != OnExceed.QUEUE, "queue",
                    "queue applies only with on-exceed: queue");
            check(p, onExceed == OnExceed.QUEUE && rate == null, "on-exceed",
                    "on-exceed: queue needs a rate (a quota or concurrency limit cannot wait)");
            check(p, fallback != null && onExceed != OnExceed.FALLBACK, "fallback",
                    "fallback applies only with on-exceed: fallback");
            check(p, fallback == null && onExceed == OnExceed.FALLBACK, "on-exceed",
                    "on-exceed: fallback needs a fallback: {status, headers, body}");
            check(p, !priorityGroups.isEmpty() && rate == null, "priority-groups", "priority-groups split a rate");
            check(p, priorityGroups.size() == 1, "priority-groups", "list at least two priority groups");
            check(p, overrides != null && rate == null, "overrides", "overrides change a rate");
        }

        private static void check(Problems p, boolean wrong, String key, String message) {
            if (wrong) {
                p.add(key, message);
            }
        }
    }

    static LimitConfig read(ConfigNode node, Problems p) {
        Limit l = Binder.bind(node, Limit.class, p);
        Rate rate = l.rate() == null ? null : rate(l.rate(), p);
        long burst = l.burst() > 0 ? l.burst() : rate != null ? rate.perSecondCeil() : 0;
        ZoneId zone = ZoneOffset.UTC;
        if (l.timeZone() != null) {
            try {
                zone = ZoneId.of(l.timeZone().trim());
            } catch (DateTimeException e) {
                p.add(((ConfigNode.MapNode) node).entries().get("time-zone"),
                        "unknown time zone (use a region such as Asia/Shanghai, or UTC)");
            }
        }
        Quota quota = l.quota() == null ? null : quota(l.quota(), zone, p);
        LimitConfig.Cluster cluster = null;
        if (l.scope() == Scope.CLUSTER) {
            int lease = 0;
            Duration leaseMaxAge = LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE;
            if (l.lease() != null) {
                Lease ls = l.lease() instanceof ConfigNode.MapNode ? Binder.bind(l.lease(), Lease.class, p)
                        : Binder.bind(new ConfigNode.MapNode(l.lease().location(), l.lease().path(),
                                Map.of("tokens", l.lease())), Lease.class, p);
                lease = ls.tokens();
                leaseMaxAge = ls.maxAge();
                if (lease == 0) {
                    p.add(l.lease(), "lease needs tokens: how many a node takes from Redis at once");
                } else if (rate != null && lease > burst) {
                    p.add(l.lease(), "lease " + lease + " is above the burst (" + burst
                            + "): a node cannot take more tokens than the bucket holds");
                }
            }
            cluster = new LimitConfig.Cluster(l.onRedisError(), l.expectedNodes(), lease, leaseMaxAge);
        }
        LimitConfig.Queue queue = l.queue() == null && l.onExceed() == OnExceed.QUEUE ? LimitConfig.Queue.defaults()
                : l.queue();
        List<LimitConfig.Override> overrides = new ArrayList<>();
        if (l.overrides() instanceof ConfigNode.MapNode m) {
            for (var e : m.entries().entrySet()) {
                LimitConfig.Override o = override(e.getKey(), e.getValue(), l.key(), p);
                if (o != null) {
                    overrides.add(o);
                }
            }
        } else if (l.overrides() != null) {
            p.add(l.overrides(), "expected a mapping, found " + l.overrides().kind());
        }
        if (l.id() == null) {
            return null;
        }
        return new LimitConfig(l.id(), node.location(), node.path(), l.routes(),
                new LinkedHashSet<>(l.methods().stream().map(x -> x.trim().toUpperCase(Locale.ROOT)).toList()),
                l.key(), rate, rate != null ? Math.max(1, burst) : burst, quota, l.concurrency(), l.scope(),
                l.onExceed(), queue, l.fallback(), l.priorityGroups(), overrides, cluster);
    }

    /** {@code lease: N} or {@code lease: {tokens: N, max-age: 1s}}. */
    record Lease(@Binder.Range(min = 1, max = 1_000_000) int tokens, @Binder.Positive Duration maxAge) {
        static Lease defaults() {
            return new Lease(0, LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE);
        }
    }

    private static boolean present(ConfigNode n) {
        return n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null);
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
