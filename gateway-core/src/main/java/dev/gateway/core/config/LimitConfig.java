package dev.gateway.core.config;

import java.net.InetAddress;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of {@code limits:} as configured and validated: which routes and methods it covers, what it counts by
 * ({@link Dimension}s), what it allows (a token bucket {@link Rate}, a fixed-window {@link Quota} or a number of
 * requests in flight) and what happens past it. Immutable; read by {@link LimitReader}.
 *
 * @param routes as written: route ids, {@code group:NAME} or {@code all}
 * @param methods upper-case; empty for every method
 * @param key the dimensions the limit counts by, in order; empty: one counter for everything it covers
 * @param burst the bucket's capacity (rate limits; 0 otherwise)
 * @param concurrency requests in flight at once (concurrency limits; 0 otherwise)
 * @param priorityGroups group name to ratio, in the order written (listed first = higher priority); empty when none
 * @param cluster how a {@code scope: cluster} limit behaves without Redis; null for a local limit
 */
public record LimitConfig(String id, ConfigNode.Location location, String path, List<String> routes,
        Set<String> methods, List<Dimension> key, Rate rate, long burst, Quota quota, int concurrency, Scope scope,
        OnExceed onExceed, Queue queue, Fallback fallback, Map<String, Integer> priorityGroups,
        List<Override> overrides, Cluster cluster) {

    public LimitConfig {
        if (scope == Scope.CLUSTER && cluster == null) {
            cluster = Cluster.DEFAULT;
        }
        routes = List.copyOf(routes);
        methods = Set.copyOf(methods);
        key = List.copyOf(key);
        priorityGroups = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(priorityGroups));
        overrides = List.copyOf(overrides);
    }

    /** A local limit, or a cluster one with the default {@link Cluster} settings. */
    public LimitConfig(String id, ConfigNode.Location location, String path, List<String> routes,
            Set<String> methods, List<Dimension> key, Rate rate, long burst, Quota quota, int concurrency, Scope scope,
            OnExceed onExceed, Queue queue, Fallback fallback, Map<String, Integer> priorityGroups,
            List<Override> overrides) {
        this(id, location, path, routes, methods, key, rate, burst, quota, concurrency, scope, onExceed, queue,
                fallback, priorityGroups, overrides, null);
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

    /**
     * Another rate for requests whose {@code dimension} has one value: {@code "ip:203.0.113.7"} ({@code address}
     * set) or {@code "header:X-Region=eu"} ({@code header} and {@code value} set).
     */
    public record Override(String text, InetAddress address, String header, String value, Rate rate, long burst) {}
}
