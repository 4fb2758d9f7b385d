package dev.gateway.core.config;

import dev.gateway.core.config.LimitConfig.Dimension;
import dev.gateway.core.config.LimitConfig.OnExceed;
import dev.gateway.core.config.LimitConfig.Quota;
import dev.gateway.core.config.LimitConfig.Rate;
import dev.gateway.core.config.LimitConfig.Scope;
import java.net.InetAddress;
import java.net.UnknownHostException;
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

/** Binds {@code limits:} entries, and checks the limits against the routes. */
final class LimitReader {
    private LimitReader() {}

    /** The YAML shape of one {@code limits:} entry; the rules about which keys go together are in validate(). */
    record Limit(@Binder.Required String id, List<String> routes, List<String> methods, List<Dimension> key,
            Rate rate, @Binder.Range(min = 1, max = Integer.MAX_VALUE) int burst, Quota quota, ZoneId timeZone,
            @Binder.Range(min = 1, max = 10_000_000) int concurrency, Scope scope,
            LimitConfig.OnRedisError onRedisError, @Binder.Range(min = 1, max = 10_000) int expectedNodes,
            Lease lease, OnExceed onExceed, LimitConfig.Queue queue, LimitConfig.Fallback fallback,
            @Binder.Range(min = 1, max = 1_000_000) Map<String, Integer> priorityGroups,
            Map<String, OverrideRate> overrides) implements Binder.Validated {
        static Limit defaults() {
            return new Limit(null, List.of(), List.of(), List.of(), null, 0, null, ZoneOffset.UTC, 0, Scope.LOCAL,
                    LimitConfig.OnRedisError.FAIL_OPEN, 1, null, OnExceed.REJECT, null, null, Map.of(), Map.of());
        }

        /** The bucket's capacity: {@code burst}, or one second's worth of the rate. */
        long bucket() {
            return burst > 0 ? burst : rate != null ? rate.perSecondCeil() : 0;
        }

        // Which keys go together is decided by the keys written, so that a bad value adds no follow-on problems.
        @Override
        public void validate(Problems p) {
            Map<String, ConfigNode> e = p.scope().entries();
            if (!e.containsKey("routes")) {
                p.addAtMapping("routes", "is required: route ids, \"group:NAME\" or [all]");
            }
            if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
                p.add("id", "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
            }
            boolean isRate = present(e.get("rate"));
            int kinds = (isRate ? 1 : 0) + (present(e.get("quota")) ? 1 : 0) + (present(e.get("concurrency")) ? 1 : 0);
            if (kinds != 1) {
                p.add(p.scope(), kinds == 0
                        ? "a limit needs one of rate (N/s, N/m), quota (N/minute, N/hour, N/day) or concurrency"
                        : "rate, quota and concurrency are separate limits: give one per entry");
            }
            check(p, present(e.get("burst")) && !isRate, "burst", "burst applies to a rate");
            check(p, present(e.get("time-zone")) && !present(e.get("quota")), "time-zone",
                    "time-zone applies to a quota");
            for (String k : List.of("on-redis-error", "expected-nodes", "lease")) {
                check(p, e.containsKey(k) && scope != Scope.CLUSTER, k, k + " applies to scope: cluster");
            }
            boolean leased = scope == Scope.CLUSTER && present(e.get("lease"));
            check(p, leased && !isRate, "lease", "lease applies to a rate (a cluster quota counts every request in "
                    + "Redis)");
            check(p, leased && lease != null && lease.tokens() == 0, "lease",
                    "lease needs tokens: how many a node takes from Redis at once");
            check(p, leased && lease != null && rate != null && lease.tokens() > bucket(), "lease", "lease "
                    + (lease == null ? 0 : lease.tokens()) + " is above the burst (" + bucket()
                    + "): a node cannot take more tokens than the bucket holds");
            check(p, scope == Scope.CLUSTER && present(e.get("concurrency")), "scope",
                    "a concurrency limit is local-only for now (scope: cluster counts rates and quotas)");
            check(p, queue != null && onExceed != OnExceed.QUEUE, "queue",
                    "queue applies only with on-exceed: queue");
            check(p, onExceed == OnExceed.QUEUE && !isRate, "on-exceed",
                    "on-exceed: queue needs a rate (a quota or concurrency limit cannot wait)");
            check(p, fallback != null && onExceed != OnExceed.FALLBACK, "fallback",
                    "fallback applies only with on-exceed: fallback");
            check(p, fallback == null && onExceed == OnExceed.FALLBACK, "on-exceed",
                    "on-exceed: fallback needs a fallback: {status, headers, body}");
            check(p, !priorityGroups.isEmpty() && !isRate, "priority-groups", "priority-groups split a rate");
            check(p, priorityGroups.size() == 1, "priority-groups", "list at least two priority groups");
            check(p, present(e.get("overrides")) && !isRate, "overrides", "overrides change a rate");
        }

        private static void check(Problems p, boolean wrong, String key, String message) {
            if (wrong) {
                p.add(key, message);
            }
        }
    }

    /** {@code lease: N} or {@code lease: {tokens: N, max-age: 1s}}. */
    @Binder.Shorthand
    record Lease(@Binder.Range(min = 1, max = 1_000_000) int tokens, @Binder.Positive Duration maxAge) {
        static Lease defaults() {
            return new Lease(0, LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE);
        }

        static Lease of(String text) {
            int n;
            try {
                n = Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, found '" + text + "'");
            }
            if (n < 1 || n > 1_000_000) {
                throw new IllegalArgumentException(n + " is out of range [1, 1000000]");
            }
            return new Lease(n, LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE);
        }
    }

    /** One entry of {@code overrides:}: another rate (and burst) for one value of a key dimension. */
    record OverrideRate(@Binder.Required Rate rate, @Binder.Range(min = 1, max = Integer.MAX_VALUE) int burst) {}

    static LimitConfig read(ConfigNode node, Problems p) {
        Limit l = Binder.bind(node, Limit.class, p);
        Quota quota = l.quota() == null ? null : l.quota().in(l.timeZone());
        LimitConfig.Cluster cluster = l.scope() != Scope.CLUSTER ? null : new LimitConfig.Cluster(l.onRedisError(),
                l.expectedNodes(), l.lease() == null ? 0 : l.lease().tokens(),
                l.lease() == null ? LimitConfig.Cluster.DEFAULT_LEASE_MAX_AGE : l.lease().maxAge());
        LimitConfig.Queue queue = l.queue() == null && l.onExceed() == OnExceed.QUEUE ? LimitConfig.Queue.defaults()
                : l.queue();
        List<LimitConfig.Override> overrides = new ArrayList<>();
        for (var e : l.overrides().entrySet()) {
            ConfigNode at = ((ConfigNode.MapNode) ((ConfigNode.MapNode) node).entries().get("overrides")).entries()
                    .get(e.getKey());
            LimitConfig.Override o = override(e.getKey(), e.getValue(), at, l.key(), p);
            if (o != null) {
                overrides.add(o);
            }
        }
        if (l.id() == null) {
            return null;
        }
        return new LimitConfig(l.id(), node.location(), node.path(), l.routes(),
                new LinkedHashSet<>(l.methods().stream().map(x -> x.trim().toUpperCase(Locale.ROOT)).toList()),
                l.key(), l.rate(), l.rate() != null ? Math.max(1, l.bucket()) : l.burst(), quota, l.concurrency(),
                l.scope(), l.onExceed(), queue, l.fallback(), l.priorityGroups(), overrides, cluster);
    }

    private static boolean present(ConfigNode n) {
        return n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null);
    }

    private static LimitConfig.Override override(String text, OverrideRate o, ConfigNode value, List<Dimension> key,
            Problems p) {
        Rate rate = o.rate();
        long burst = o.burst() > 0 ? o.burst() : rate != null ? rate.perSecondCeil() : 0;
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
