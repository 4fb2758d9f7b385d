package dev.gateway.core.config;

import java.net.InetAddress;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code limits:}, bound by {@link Binder}: which routes and methods it covers, what it counts by
 * ({@link Dimension}s), what it allows (a token bucket {@link Rate}, a fixed-window {@link Quota} or a number of
 * requests in flight) and what happens past it. Immutable; its rules on which keys go together are in
 * {@link #validate}, its checks against the routes in {@code LimitReader}.
 *
 * @param routes as written: route ids, {@code group:NAME} or {@code all}
 * @param methods upper-case; empty for every method
 * @param key the dimensions the limit counts by, in order; empty: one counter for everything it covers
 * @param burst the bucket's capacity (rate limits: one second's worth of the rate unless given; 0 otherwise)
 * @param quota its windows start in {@code timeZone}
 * @param concurrency requests in flight at once (concurrency limits; 0 otherwise)
 * @param queue with {@code on-exceed: queue}, the queue (its defaults unless given)
 * @param priorityGroups group name to ratio, in the order written (listed first = higher priority); empty when none
 * @param overrideRates {@code overrides:} by their text; see {@link #overrides()}
 */
public record LimitConfig(@Binder.Required String id, ConfigNode.Location location, @Binder.KeyPath String path,
        List<String> routes, Set<String> methods, List<Dimension> key, Rate rate,
        @Binder.Range(min = 1, max = Integer.MAX_VALUE) long burst, Quota quota, ZoneId timeZone,
        @Binder.Range(min = 1, max = 10_000_000) int concurrency, Scope scope, OnRedisError onRedisError,
        @Binder.Range(min = 1, max = 10_000) int expectedNodes, Lease lease, OnExceed onExceed, Queue queue,
        Fallback fallback, @Binder.Range(min = 1, max = 1_000_000) Map<String, Integer> priorityGroups,
        @Binder.Key("overrides") Map<String, Override> overrideRates) implements Binder.Validated {

    public LimitConfig {
        routes = List.copyOf(routes);
        methods = Set.copyOf(methods.stream().map(m -> m.trim().toUpperCase(Locale.ROOT)).toList());
        key = List.copyOf(key);
        burst = rate != null ? Math.max(1, burst > 0 ? burst : rate.perSecondCeil()) : burst;
        quota = quota == null || timeZone == null ? quota : quota.in(timeZone);
        queue = queue == null && onExceed == OnExceed.QUEUE ? Queue.defaults() : queue;
        priorityGroups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(priorityGroups));
        overrideRates = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(overrideRates));
    }

    static LimitConfig defaults() {
        return new LimitConfig(null, null, null, List.of(), Set.of(), List.of(), null, 0, null, ZoneOffset.UTC, 0,
                Scope.LOCAL, OnRedisError.FAIL_OPEN, 1, null, OnExceed.REJECT, null, null, Map.of(), Map.of());
    }

    // Which keys go together is decided by the keys written, so that a bad value adds no follow-on problems.
    @java.lang.Override
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
        check(p, present(e.get("time-zone")) && !present(e.get("quota")), "time-zone", "time-zone applies to a quota");
        for (String k : List.of("on-redis-error", "expected-nodes", "lease")) {
            check(p, e.containsKey(k) && scope != Scope.CLUSTER, k, k + " applies to scope: cluster");
        }
        boolean leased = scope == Scope.CLUSTER && present(e.get("lease"));
        check(p, leased && !isRate, "lease", "lease applies to a rate (a cluster quota counts every request in Redis)");
        check(p, leased && lease != null && lease.tokens() == 0, "lease",
                "lease needs tokens: how many a node takes from Redis at once");
        check(p, leased && lease != null && rate != null && lease.tokens() > burst, "lease", "lease "
                + (lease == null ? 0 : lease.tokens()) + " is above the burst (" + burst
                + "): a node cannot take more tokens than the bucket holds");
        check(p, scope == Scope.CLUSTER && present(e.get("concurrency")), "scope",
                "a concurrency limit is local-only for now (scope: cluster counts rates and quotas)");
        check(p, e.containsKey("queue") && queue != null && onExceed != OnExceed.QUEUE, "queue",
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
        for (Override o : overrideRates.values()) {
            boolean ip = o.text().startsWith("ip:");
            Dimension.Type needs = ip ? Dimension.Type.IP : Dimension.Type.HEADER;
            boolean keyed = key.stream().anyMatch(d -> d.type() == needs && (ip || d.header().equals(o.header())));
            String problem = !ip && o.header() == null
                    ? "an override is \"ip:ADDRESS\" or \"header:NAME=VALUE\", found '" + o.text() + "'"
                    : !keyed ? (ip ? "an ip override needs ip" : "a header override needs header:" + o.header())
                            + " in the limit's key"
                    : ip && o.address() == null ? "'" + o.text().substring(3) + "' is not an IP address" : null;
            if (problem != null) {
                p.add(((ConfigNode.MapNode) e.get("overrides")).entries().get(o.text()), problem);
            }
        }
    }

    private static void check(Problems p, boolean wrong, String key, String message) {
        if (wrong) {
            p.add(key, message);
        }
    }

    private static boolean present(ConfigNode n) {
        return n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null);
    }

    /** How a {@code scope: cluster} limit behaves without Redis, and its lease; null for a local limit. */
    public Cluster cluster() {
        return scope != Scope.CLUSTER ? null : new Cluster(onRedisError, expectedNodes,
                lease == null ? 0 : lease.tokens(), lease == null ? Cluster.DEFAULT_LEASE_MAX_AGE : lease.maxAge());
    }

    /** The {@code overrides:}, in the order written. */
    public List<Override> overrides() {
        return List.copyOf(overrideRates.values());
    }

    public enum Scope { LOCAL, CLUSTER }

    /** {@code on-redis-error}: a local share of the limit ({@code fail-open}), or 503 ({@code fail-closed}). */
    public enum OnRedisError { FAIL_OPEN, FAIL_CLOSED }

    /**
     * The settings of a {@code scope: cluster} limit.
     *
     * @param expectedNodes fail-open: each node falls back to a local limit of rate (or quota) / expectedNodes
     * @param lease token leasing ({@code lease:}): tokens a node takes from Redis at once, or 0 for none
     * @param leaseMaxAge how long leased tokens may be spent before the rest go back
     */
    public record Cluster(OnRedisError onRedisError, int expectedNodes, int lease, Duration leaseMaxAge) {
        public static final Duration DEFAULT_LEASE_MAX_AGE = Duration.ofSeconds(1);
        public static final Cluster DEFAULT = new Cluster(OnRedisError.FAIL_OPEN, 1);

        public Cluster(OnRedisError onRedisError, int expectedNodes) {
            this(onRedisError, expectedNodes, 0, DEFAULT_LEASE_MAX_AGE);
        }
    }

    public enum OnExceed { REJECT, QUEUE, FALLBACK }

    public enum Kind { RATE, QUOTA, CONCURRENCY }

    /** Whether this limit covers the route with this id and group (null when none). */
    public boolean covers(String routeId, String routeGroup) {
        for (String r : routes) {
            if (r.equals("all") || r.equals(routeId)
                    || (routeGroup != null && r.startsWith("group:") && r.substring(6).equals(routeGroup))) {
                return true;
            }
        }
        return false;
    }

    public Kind kind() {
        return rate != null ? Kind.RATE : quota != null ? Kind.QUOTA : Kind.CONCURRENCY;
    }

    /**
     * What the state of this limit depends on: a reload that keeps it keeps the limit's counters (routes, methods,
     * what happens past the limit and overrides may change freely).
     */
    public String fingerprint() {
        return kind() + "|" + key + "|" + rate + "|" + burst + "|" + quota + "|" + concurrency + "|" + priorityGroups
                + "|" + scope;
    }

    /** One dimension of a limit's key: {@code route}, {@code app}, {@code ip} or {@code header:NAME}. */
    public record Dimension(Type type, String header) {
        private static final java.util.regex.Pattern HEADER_NAME =
                java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

        public enum Type { ROUTE, APP, IP, HEADER }

        /** {@code route}, {@code app}, {@code ip} or {@code header:NAME} (the name lower-cased). */
        public static Dimension of(String text) {
            String v = text.trim();
            String lower = v.toLowerCase(Locale.ROOT);
            switch (lower) {
                case "route":
                    return new Dimension(Type.ROUTE, null);
                case "app":
                    return new Dimension(Type.APP, null);
                case "ip":
                    return new Dimension(Type.IP, null);
                default:
                    if (lower.startsWith("header:") && HEADER_NAME.matcher(v.substring(7)).matches()) {
                        return new Dimension(Type.HEADER, lower.substring(7));
                    }
                    throw new IllegalArgumentException("unknown key dimension '" + v
                            + "' (known: route, app, ip, header:NAME)");
            }
        }

        @java.lang.Override
        public String toString() {
            return type == Type.HEADER ? "header:" + header : type.name().toLowerCase(Locale.ROOT);
        }
    }

    /** A token bucket's refill: {@code count} tokens every {@code period}. */
    public record Rate(long count, Duration period) {
        private static final java.util.regex.Pattern RATE = java.util.regex.Pattern.compile(
                "(\\d{1,12})\\s*/\\s*(s|m|h)");
        /** Token intervals below 100 ns would round by more than 1%. */
        private static final long MAX_PER_SECOND = 10_000_000;

        /** {@code 100/s}, {@code 600/m} or {@code 3600/h}; at most 10,000,000 a second. */
        static Rate of(String text) {
            java.util.regex.Matcher m = RATE.matcher(text.trim());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw new IllegalArgumentException("expected a rate such as 100/s or 600/m (N above 0), found '"
                        + text + "'");
            }
            Duration period = m.group(2).equals("s") ? Duration.ofSeconds(1)
                    : m.group(2).equals("m") ? Duration.ofMinutes(1) : Duration.ofHours(1);
            Rate r = new Rate(Long.parseLong(m.group(1)), period);
            if (r.count() * 1e9 / period.toNanos() > MAX_PER_SECOND) {
                throw new IllegalArgumentException("'" + text + "' is above " + MAX_PER_SECOND + "/s");
            }
            return r;
        }

        /** Nanoseconds between two tokens (at least 1). */
        public long intervalNanos() {
            return Math.max(1, Math.round(period.toNanos() / (double) count));
        }

        /** One second's worth of tokens, at least one: the default burst. */
        public long perSecondCeil() {
            return Math.max(1, (long) Math.ceil(count * 1e9 / period.toNanos()));
        }

        @java.lang.Override
        public String toString() {
            return count + "/" + (period.equals(Duration.ofSeconds(1)) ? "s" : period.equals(Duration.ofMinutes(1))
                    ? "m" : "h");
        }
    }

    /** A fixed-window quota: {@code limit} requests per minute, hour or day, windows starting in {@code zone}. */
    public record Quota(long limit, Window window, ZoneId zone) {
        private static final java.util.regex.Pattern QUOTA = java.util.regex.Pattern.compile(
                "(\\d{1,12})\\s*/\\s*(minute|hour|day)");

        public enum Window { MINUTE, HOUR, DAY }

        /** {@code 100000/day}, {@code 5000/hour} or {@code 100/minute}, in UTC until {@link #in} a time zone. */
        static Quota of(String text) {
            java.util.regex.Matcher m = QUOTA.matcher(text.trim());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0 || Long.parseLong(m.group(1)) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("expected a quota such as 100000/day, 5000/hour or 100/minute (N in "
                        + "1.." + Integer.MAX_VALUE + "), found '" + text + "'");
            }
            return new Quota(Long.parseLong(m.group(1)), Window.valueOf(m.group(2).toUpperCase(Locale.ROOT)),
                    java.time.ZoneOffset.UTC);
        }

        /** This quota with its windows starting in {@code zone}. */
        Quota in(ZoneId zone) {
            return new Quota(limit, window, zone);
        }
    }

    /** {@code on-exceed: queue}: wait at most {@code maxWait}, behind at most {@code maxLength} others of the key. */
    public record Queue(@Binder.Positive Duration maxWait, @Binder.Range(min = 1, max = 10_000_000) int maxLength) {
        public static Queue defaults() {
            return new Queue(Duration.ofMillis(500), 1000);
        }
    }

    /** {@code on-exceed: fallback}: the fixed answer. */
    public record Fallback(@Binder.Range(min = 100, max = 599) int status, Map<String, String> headers, String body)
            implements Binder.Validated {
        private static final Set<String> RESERVED = Set.of("content-length", "transfer-encoding", "connection",
                "x-request-id");

        public Fallback {
            headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        }

        public static Fallback defaults() {
            return new Fallback(200, Map.of(), "");
        }

        @java.lang.Override
        public void validate(Problems p) {
            if (p.scope().entries().get("headers") instanceof ConfigNode.MapNode h) {
                for (var e : h.entries().entrySet()) {
                    if (!Dimension.HEADER_NAME.matcher(e.getKey()).matches()) {
                        p.add(e.getValue(), "'" + e.getKey() + "' is not a header name");
                    } else if (RESERVED.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                        p.add(e.getValue(), "the gateway sets " + e.getKey() + " itself");
                    }
                }
            }
        }
    }

    /** {@code lease: N} or {@code lease: {tokens: N, max-age: 1s}}. */
    @Binder.Shorthand
    public record Lease(@Binder.Range(min = 1, max = 1_000_000) int tokens, @Binder.Positive Duration maxAge) {
        static Lease defaults() {
            return new Lease(0, Cluster.DEFAULT_LEASE_MAX_AGE);
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
            return new Lease(n, Cluster.DEFAULT_LEASE_MAX_AGE);
        }
    }

    /**
     * Another rate (and burst, one second's worth unless given) for requests whose key dimension has one value: its
     * {@code text} is {@code "ip:203.0.113.7"} ({@link #address()}) or {@code "header:X-Region=eu"}
     * ({@link #header()} and {@link #value()}).
     */
    public record Override(@Binder.Name String text, @Binder.Required Rate rate,
            @Binder.Range(min = 1, max = Integer.MAX_VALUE) long burst) {
        public Override {
            burst = burst == 0 && rate != null ? rate.perSecondCeil() : burst;
        }

        /** The address of an {@code ip:} override, or null. */
        public InetAddress address() {
            return text.startsWith("ip:") ? literalAddress(text.substring(3)) : null;
        }

        /** The lower-case header name of a {@code header:NAME=VALUE} override, or null. */
        public String header() {
            return text.startsWith("header:") && text.indexOf('=') > 7
                    ? text.substring(7, text.indexOf('=')).toLowerCase(Locale.ROOT) : null;
        }

        /** The header value of a {@code header:NAME=VALUE} override, or null. */
        public String value() {
            return header() == null ? null : text.substring(text.indexOf('=') + 1);
        }

        /** Parses an IPv4 or IPv6 literal without any name lookup; null when it is not one. */
        private static InetAddress literalAddress(String s) {
            String t = s.trim();
            boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
            boolean v6 = t.indexOf(':') >= 0 && t.matches("[0-9A-Fa-f:.]+");
            if (!v4 && !v6) {
                return null;
            }
            try {
                return InetAddress.getByName(t); // a literal: no lookup
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
    }
}
