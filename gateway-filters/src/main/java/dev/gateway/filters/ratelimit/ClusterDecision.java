package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.limit.FixedWindow;
import dev.gateway.core.limit.QuotaWindows;
import dev.gateway.core.limit.TokenBucket;
import dev.gateway.core.limit.TokenLease;
import dev.gateway.core.metadata.App;
import dev.gateway.filters.ratelimit.RateLimitFilter.Pass;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

/**
 * The cluster limits of one request, asked in order, one Redis round trip each, or none for a leased limit whose
 * node still holds tokens ({@link TokenLease}). Every step runs on the request's event loop (Redis answers on a
 * Lettuce thread and are handed over). What a limit took is given back when a later one refuses or the request is
 * abandoned: to Redis, or to the lease it came from.
 */
final class ClusterDecision implements BiConsumer<Long, Throwable> {
    private final RateLimitFilter filter;
    final CompletableFuture<FilterResult> result = new CompletableFuture<>();
    private final RequestContext ctx;
    private final String method;
    private Pass pass;
    private RouteLimit tight;
    private String tightPolicy;
    private long tightR;
    private long tightQ;
    private long tightT;
    private final RouteLimit queuedBy;
    private final long delay;
    /** What was taken from, to give back: a Redis key (with a bucket's interval, or 0 for a quota count) or a lease. */
    private final Object[] heldKeys;
    private final long[] heldIntervals;
    private int held;
    private int next;
    private boolean done;
    // The limit being asked.
    private Object key;
    private String redisKey;
    /** What the limit being asked takes from: {@link #redisKey}, or the node's lease of it. */
    private Object source;
    private long interval;
    private long burst;
    private String policy;
    private QuotaWindows.Window window;
    private long millis;

    ClusterDecision(RateLimitFilter filter, RequestContext ctx, String method, Pass pass, RouteLimit tight,
            String tightPolicy, long tightR, long tightQ, long tightT, RouteLimit queuedBy, long delay) {
        this.filter = filter;
        this.heldKeys = new Object[filter.clusters.length];
        this.heldIntervals = new long[filter.clusters.length];
        this.ctx = ctx;
        this.method = method;
        this.pass = pass;
        this.tight = tight;
        this.tightPolicy = tightPolicy;
        this.tightR = tightR;
        this.tightQ = tightQ;
        this.tightT = tightT;
        this.queuedBy = queuedBy;
        this.delay = delay;
    }

    CompletionStage<FilterResult> start() {
        ctx.onCancel(this::cancel);
        step();
        return result;
    }

    /** Asks the next cluster limit that applies, or admits when none is left. */
    private void step() {
        while (next < filter.clusters.length) {
            RouteLimit l = filter.clusters[next];
            if (!l.appliesTo(method)) {
                next++;
                continue;
            }
            key = l.key(ctx);
            CompletionStage<Long> asked;
            if (l.kind == LimitConfig.Kind.RATE) {
                interval = l.interval;
                burst = l.burst;
                policy = l.policy;
                RouteLimit.OverrideRate o = l.override(ctx);
                if (o != null) {
                    interval = o.interval();
                    burst = o.burst();
                    policy = o.policy();
                } else {
                    App.LimitOverride a = l.appOverride(ctx);
                    if (a != null) {
                        interval = Math.max(1, RateLimitFilter.SECOND / a.perSecond());
                        burst = a.burst();
                        policy = null;
                    }
                }
                redisKey = filter.cluster.bucketKey(l.id, key);
                source = redisKey;
                if (l.lease > 0) {
                    TokenLease lease = filter.cluster.lease(redisKey);
                    source = lease;
                    long fill = lease.take(filter.cluster, filter.store.now(), burst * interval);
                    if (fill != 0) { // spent a leased token, or Redis said it has none: no round trip
                        decided(fill, null);
                        return;
                    }
                    asked = lease.acquire(filter.cluster, filter.store, interval, burst,
                            (int) Math.min(l.lease, burst), l.leaseMaxAge);
                } else {
                    asked = filter.cluster.take(redisKey, interval, burst);
                }
            } else {
                millis = filter.store.clock().currentTimeMillis();
                window = l.windows.at(millis);
                redisKey = filter.cluster.quotaKey(l.id, key, window.number());
                source = redisKey;
                // The key outlives the window by a minute: nodes whose clocks differ a little find it.
                asked = filter.cluster.count(redisKey, l.quota, window.endMillis() - millis + 60_000);
            }
            asked.whenComplete(this);
            return;
        }
        finish(filter.admit(ctx, method, pass, tight, tightPolicy, tightR, tightQ, tightT, queuedBy, delay));
    }

    /** Redis answered (on a Lettuce thread, or at once when it is not connected): continue on the loop. */
    @Override
    public void accept(Long v, Throwable t) {
        if (ctx.eventLoop().inEventLoop()) {
            decided(v, t);
        } else {
            ctx.eventLoop().execute(() -> decided(v, t));
        }
    }

    private void decided(Long answer, Throwable failure) {
        RouteLimit l = filter.clusters[next];
        boolean rate = l.kind == LimitConfig.Kind.RATE;
        if (done) { // abandoned while Redis was deciding: give back what it took
            if (failure == null && answer > 0) {
                giveBack(source, rate ? interval : 0);
            }
            return;
        }
        long v;
        long q;
        if (failure == null) {
            v = answer;
            q = rate ? burst : l.quota;
            if (v > 0) {
                heldKeys[held] = source;
                heldIntervals[held++] = rate ? interval : 0;
            }
        } else {
            l.errored();
            if (!l.failOpen) {
                undo();
                ctx.set(StandardAttrs.LIMIT, l.id);
                finish(l.unavailable);
                return;
            }
            // Fail-open: this node's share of the limit, in the local store.
            AtomicLongArray cells = l.state.cells(key);
            pass = pass == null ? filter.newPass() : pass;
            if (rate) {
                interval = interval * l.expectedNodes;
                burst = Math.max(1, (burst + l.expectedNodes - 1) / l.expectedNodes);
                policy = RouteLimit.ratePolicy(l.id, burst, interval);
                v = TokenBucket.take(cells, 0, filter.store.now(), interval, burst * interval);
                if (v > 0) {
                    pass.hold(Pass.RATE, cells, 0, interval);
                }
                q = burst;
            } else {
                q = Math.max(1, (l.quota + l.expectedNodes - 1) / l.expectedNodes);
                v = FixedWindow.take(cells, 0, window.number(), q);
                if (v > 0) {
                    pass.hold(Pass.QUOTA, cells, 0, window.number());
                }
            }
        }
        long r;
        long t;
        String p;
        if (rate) {
            if (v < 0) {
                undoRedis();
                finish(filter.exceeded(ctx, pass, l, -v, policy != null ? policy : RateLimitFilter.policyOf(l, burst, interval), q));
                return;
            }
            r = TokenBucket.remaining(v, burst * interval, interval);
            t = (v + RateLimitFilter.SECOND - 1) / RateLimitFilter.SECOND;
            p = policy;
        } else {
            long toEnd = window.endMillis() - millis;
            if (v < 0) {
                undoRedis();
                finish(filter.exceeded(ctx, pass, l, toEnd * 1_000_000L, quotaPolicy(l, q), q));
                return;
            }
            r = q - v;
            t = (toEnd + 999) / 1000;
            p = quotaPolicy(l, q);
        }
        if (tight == null || r * tightQ < tightR * q) {
            tight = l;
            tightPolicy = p != null ? p : RouteLimit.ratePolicy(l.id, burst, interval);
            tightR = r;
            tightQ = q;
            tightT = t;
        }
        next++;
        step();
    }

    private String quotaPolicy(RouteLimit l, long q) {
        return q == l.quota ? l.policy : "\"" + l.id + "\";q=" + q + ";w=" + l.windowSeconds;
    }

    private void finish(CompletionStage<FilterResult> outcome) {
        done = true;
        outcome.whenComplete((r, t) -> {
            if (t != null) {
                result.completeExceptionally(t);
            } else {
                result.complete(r);
            }
        });
    }

    /** The request was abandoned (client gone, filter timeout) before every limit answered. */
    private void cancel() {
        if (done) {
            return;
        }
        done = true;
        undo();
    }

    private void undo() {
        undoRedis();
        if (pass != null) {
            pass.undo();
        }
    }

    private void undoRedis() {
        for (int i = 0; i < held; i++) {
            giveBack(heldKeys[i], heldIntervals[i]);
        }
        held = 0;
    }

    private void giveBack(Object from, long bucketInterval) {
        // Best effort: if Redis fails now, the token is spent (a bounded under-admission, never an over-admission).
        if (from instanceof TokenLease lease) {
            lease.refund();
            return;
        }
        String k = (String) from;
        if (bucketInterval > 0) {
            filter.cluster.give(k, bucketInterval);
        } else {
            filter.cluster.uncount(k);
        }
    }
}
