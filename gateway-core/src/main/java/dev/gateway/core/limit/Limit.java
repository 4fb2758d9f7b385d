package dev.gateway.core.limit;

import dev.gateway.core.config.App;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.config.LimitConfig.Dimension;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.metrics.GatewayMeters;
import dev.gateway.core.metrics.LatencyHistogram;
import dev.gateway.core.metrics.Meters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One limit as one route applies it, compiled once: its state, which requests it covers, how to build their key, its
 * rates (default, overrides, an app's own), its quota window, queue and cluster settings, its RateLimit-Policy value
 * and its meters. How a refusal is answered is the caller's ({@link LimitAnswers}). Immutable; thread-safe.
 */
public final class Limit {
    /** Token buckets first, queueing ones after, then concurrency, then quotas: a quota is spent last. */
    public static final Comparator<Limit> ORDER = Comparator.comparingInt(Limit::rank);
    /** The key of a limit without key dimensions: one counter for everything it covers. */
    private static final String EVERYTHING = "*";
    /** The value of a dimension the request has none for. */
    static final String MISSING = "-";

    static final long SECOND = 1_000_000_000L;

    final String id;
    /** The limit's position in its route's configuration (file order), for the caller's per-limit answers. */
    private final int index;
    final LimitConfig.Kind kind;
    final boolean queue;
    final LimitState state;
    private final String[] methods;
    private final Dimension.Type[] dims;
    private final String[] headers;
    /** The default rate: token interval and capacity in tokens. */
    final long interval;
    final long burst;
    final PriorityShares shares;
    private final OverrideRate[] overrides;
    final QuotaWindows windows;
    final long quota;
    final long windowSeconds;
    final long concurrency;
    final long maxWaitNanos;
    final long maxLength;
    /** The RateLimit-Policy item of the limit's own rate or quota; null for a concurrency limit. */
    final String policy;
    private final Counter admitted;
    private final Counter rejected;
    private final Counter queued;
    private final Counter fellBack;
    final LatencyHistogram queueWait;
    /** Decided in Redis ({@code scope: cluster}). */
    final boolean cluster;
    /** Cluster: Redis failed, decide on a local share ({@code fail-open}) rather than answer 503. */
    final boolean failOpen;
    /** Cluster, fail-open: the local share is the limit divided by this. */
    final long expectedNodes;
    /** Cluster: tokens a node leases from Redis at once ({@code lease:}), or 0 to ask Redis per request. */
    final int lease;
    /** Cluster, leasing: nanoseconds leased tokens may be spent before the rest go back. */
    final long leaseMaxAge;
    private final Counter errors;

    /**
     * A rate: the limit's own ({@link #defaultRate}), an override's for requests it matches, or an app's own (with a
     * null policy, built only if the limit turns out the tightest).
     */
    record OverrideRate(InetAddress address, String header, String value, long interval, long burst, String policy) {}

    /** The limit's own rate (rate limits; null otherwise). */
    private final OverrideRate defaultRate;

    /**
     * @param index the limit's position in its route's configuration, handed back to the caller's answers
     * @param meters where decisions, queue lengths and waits are recorded; null when metrics are off
     */
    public Limit(LimitConfig c, int index, LimitState state, Meters meters) {
        this.id = c.id();
        this.index = index;
        this.kind = c.kind();
        this.queue = c.onExceed() == LimitConfig.OnExceed.QUEUE;
        this.state = state;
        this.methods = c.methods().toArray(new String[0]);
        this.dims = c.key().stream().map(Dimension::type).toArray(Dimension.Type[]::new);
        this.headers = c.key().stream().map(Dimension::header).toArray(String[]::new);
        this.interval = c.rate() == null ? 0 : c.rate().intervalNanos();
        this.burst = c.burst();
        if (c.priorityGroups().isEmpty()) {
            this.shares = null;
        } else {
            this.shares = new PriorityShares(c.priorityGroups().keySet().toArray(new String[0]),
                    c.priorityGroups().values().stream().mapToLong(Integer::longValue).toArray());
        }
        List<OverrideRate> os = new ArrayList<>();
        for (LimitConfig.Override o : c.overrides()) {
            long t = o.rate().intervalNanos();
            os.add(new OverrideRate(o.address(), o.header(), o.value(), t, o.burst(), ratePolicy(id, o.burst(), t)));
        }
        this.overrides = os.toArray(new OverrideRate[0]);
        this.windows = c.quota() == null ? null : new QuotaWindows(c.quota().window(), c.quota().zone());
        this.quota = c.quota() == null ? 0 : c.quota().limit();
        this.windowSeconds = c.quota() == null ? 0 : switch (c.quota().window()) {
            case MINUTE -> 60;
            case HOUR -> 3600;
            default -> 86400;
        };
        this.concurrency = c.concurrency();
        this.maxWaitNanos = c.queue() == null ? 0 : c.queue().maxWait().toNanos();
        this.maxLength = c.queue() == null ? 0 : c.queue().maxLength();
        this.policy = switch (kind) {
            case RATE -> ratePolicy(id, burst, interval);
            case QUOTA -> "\"" + id + "\";q=" + quota + ";w=" + windowSeconds;
            default -> null;
        };
        this.defaultRate = kind == LimitConfig.Kind.RATE ? new OverrideRate(null, null, null, interval, burst, policy)
                : null;
        MeterRegistry registry = meters == null ? null : meters.registry();
        this.admitted = counter(registry, "admitted");
        this.rejected = counter(registry, "rejected");
        this.queued = counter(registry, "queued");
        this.fellBack = counter(registry, "fallback");
        this.errors = counter(registry, "error"); // Redis failures of a cluster limit
        this.cluster = c.scope() == LimitConfig.Scope.CLUSTER;
        this.failOpen = !cluster || c.cluster().onRedisError() == LimitConfig.OnRedisError.FAIL_OPEN;
        this.expectedNodes = cluster ? c.cluster().expectedNodes() : 1;
        this.lease = cluster ? c.cluster().lease() : 0;
        this.leaseMaxAge = cluster ? c.cluster().leaseMaxAge().toNanos() : 0;
        this.queueWait = meters == null || !queue ? null : meters.rateLimitQueueWait().series(id);
        if (registry != null && queue) {
            AtomicInteger q = state.queued();
            Gauge.builder(GatewayMeters.RATELIMIT_QUEUE_LENGTH, q, AtomicInteger::get)
                    .description("Requests waiting in a rate limit's queues now").tag("limit", id)
                    .strongReference(true).register(registry);
        }
    }

    public String id() {
        return id;
    }

    /** The limit's position in its route's configuration (file order). */
    public int index() {
        return index;
    }

    public LimitConfig.Kind kind() {
        return kind;
    }

    /** Decided in Redis ({@code scope: cluster}) rather than in this node's store. */
    public boolean isCluster() {
        return cluster;
    }

    private Counter counter(MeterRegistry registry, String result) {
        return registry == null ? null : Counter.builder(GatewayMeters.RATELIMIT_DECISIONS)
                .description("Rate-limit decisions by limit and result").tags("limit", id, "result", result)
                .register(registry);
    }

    /** The RateLimit-Policy item of a token bucket: its capacity, restored in full over w seconds. */
    public static String ratePolicy(String id, long burst, long interval) {
        long w = Math.max(1, (burst * interval + 999_999_999L) / 1_000_000_000L);
        return "\"" + id + "\";q=" + burst + ";w=" + w;
    }

    /** The RateLimit-Policy item at {@code burst} tokens refilled every {@code interval} (rates), or the own one. */
    String policy(long burst, long interval) {
        return kind == LimitConfig.Kind.RATE ? ratePolicy(id, burst, interval) : policy;
    }

    /**
     * The RateLimit-Policy item of this limit as it applied to {@code ctx} with capacity {@code q}: for a decision that
     * left it to be built only if needed (an app's own rate, a priority share).
     */
    public String policyFor(RequestContext ctx, long q) {
        return policy(q, kind == LimitConfig.Kind.RATE ? effectiveInterval(ctx) : 0);
    }

    /** The interval of this rate limit as applied to {@code ctx} (its override's, its app's, its priority share's). */
    private long effectiveInterval(RequestContext ctx) {
        long interval = rateFor(ctx).interval();
        if (shares != null) {
            App app = ctx.get(StandardAttrs.APP);
            interval = shares.interval(shares.groupOf(app == null ? null : app.priority()), interval);
        }
        return interval;
    }

    /** The RateLimit-Policy item of this quota at {@code q} requests (a fail-open node's share, or its own). */
    String quotaPolicy(long q) {
        return q == quota ? policy : "\"" + id + "\";q=" + q + ";w=" + windowSeconds;
    }

    private int rank() {
        return switch (kind) {
            case RATE -> queue ? 1 : 0;
            case CONCURRENCY -> 2;
            default -> 3;
        };
    }

    boolean appliesTo(String method) {
        if (methods.length == 0) {
            return true;
        }
        for (String m : methods) {
            if (m.equals(method)) {
                return true;
            }
        }
        return false;
    }

    /** The request's key: its dimension values ({@code -} for a missing one); a list when there are several. */
    Object key(RequestContext ctx) {
        int n = dims.length;
        if (n == 0) {
            return EVERYTHING;
        }
        if (n == 1) {
            return value(ctx, 0);
        }
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            values[i] = value(ctx, i);
        }
        return List.of(values);
    }

    private Object value(RequestContext ctx, int i) {
        Object v;
        switch (dims[i]) {
            case ROUTE:
                v = ctx.routeId();
                break;
            case APP:
                App app = ctx.get(StandardAttrs.APP);
                v = app == null ? null : app.key();
                break;
            case IP:
                v = ctx.clientAddress();
                break;
            default:
                v = ctx.headers().get(headers[i]);
                break;
        }
        return v == null ? MISSING : v;
    }

    /** The override that matches the request, or null. */
    OverrideRate override(RequestContext ctx) {
        for (OverrideRate o : overrides) {
            if (o.address() != null ? o.address().equals(ctx.clientAddress())
                    : o.value().equals(ctx.headers().get(o.header()))) {
                return o;
            }
        }
        return null;
    }

    /**
     * The rate this request is limited at: the first override that matches it, else its app's own rate for this limit,
     * else the limit's. Allocates only for an app's own rate.
     */
    OverrideRate rateFor(RequestContext ctx) {
        OverrideRate o = override(ctx);
        if (o != null) {
            return o;
        }
        App.LimitOverride a = appOverride(ctx);
        return a == null ? defaultRate : new OverrideRate(null, null, null,
                Math.max(1, SECOND / a.perSecond()), a.burst(), null);
    }

    /** The app's own rate for this limit (its metadata {@code limits:}), or null. */
    App.LimitOverride appOverride(RequestContext ctx) {
        App app = ctx.get(StandardAttrs.APP);
        if (app == null) {
            return null;
        }
        Map<String, App.LimitOverride> l = app.limits();
        return l.isEmpty() ? null : l.get(id);
    }

    void admitted() {
        if (admitted != null) {
            admitted.increment();
        }
    }

    public void rejected() {
        if (rejected != null) {
            rejected.increment();
        }
    }

    void queued() {
        if (queued != null) {
            queued.increment();
        }
    }

    void errored() {
        if (errors != null) {
            errors.increment();
        }
    }

    public void fellBack() {
        if (fellBack != null) {
            fellBack.increment();
        }
    }
}
