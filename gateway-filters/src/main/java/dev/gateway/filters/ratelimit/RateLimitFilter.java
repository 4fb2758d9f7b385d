package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.config.LimitsSettings;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.limit.ClusterLimits;
import dev.gateway.core.limit.FixedWindow;
import dev.gateway.core.limit.InFlight;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.limit.PriorityShares;
import dev.gateway.core.limit.QuotaWindows;
import dev.gateway.core.limit.TokenBucket;
import dev.gateway.core.metadata.App;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Applies every limit that selects the route; all must admit a request. Token buckets are asked first, then
 * concurrency, then quotas, and whatever was taken is given back when a later limit refuses, so a quota counts
 * admitted requests only. A refusal answers 429 ({@code rate_limited} or {@code quota_exceeded}, naming the limit,
 * with {@code Retry-After}), the limit's fallback, or, for a queueing limit, a wait on the event loop for the token
 * it reserved. Admitted and refused responses carry the RateLimit fields of the tightest limit.
 *
 * <p>Cluster limits ({@code scope: cluster}) are asked after the local ones, one Redis round trip each
 * ({@link ClusterLimits}); the filter's stage then completes on the event loop when Redis has answered. When Redis
 * fails (or times out) a fail-open limit decides on a local share of itself (limit / expected-nodes) and a
 * fail-closed one answers 503 {@code ratelimit_unavailable}; either way the decision is counted with result=error.
 *
 * <p>Runs on the event loop; decisions take no lock. A request with one local rate limit allocates only its map key
 * (and its header values); routes without cluster limits decide synchronously.
 */
final class RateLimitFilter implements GatewayFilter {
    static final long SECOND = 1_000_000_000L;

    final RouteLimit[] limits;
    final RouteLimit[] clusters;
    final LocalLimits store;
    final ClusterLimits cluster;
    private final boolean headers;
    private final boolean legacyHeaders;

    /** @param limits the local limits; {@code clusters} the cluster ones, decided by {@code cluster} after them */
    RateLimitFilter(RouteLimit[] limits, RouteLimit[] clusters, LocalLimits store, ClusterLimits cluster,
            LimitsSettings settings) {
        this.limits = limits;
        this.clusters = clusters;
        this.store = store;
        this.cluster = cluster;
        this.headers = settings.headers();
        this.legacyHeaders = settings.legacyHeaders();
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        String method = ctx.method().name();
        long now = store.now();
        long millis = Long.MIN_VALUE;
        int n = limits.length;
        boolean more = clusters.length > 0; // cluster limits follow: hold what local ones take
        Pass pass = null;
        // The tightest limit so far (lowest remaining / quota), for the RateLimit fields.
        RouteLimit tight = null;
        String tightPolicy = null;
        long tightR = 0;
        long tightQ = 1;
        long tightT = 0;
        long delay = 0;
        RouteLimit queuedBy = null;
        for (int i = 0; i < n; i++) {
            RouteLimit l = limits[i];
            if (!l.appliesTo(method)) {
                continue;
            }
            AtomicLongArray cells = l.state.cells(l.key(ctx));
            long q;
            long r;
            long t;
            String policy;
            if (l.kind == LimitConfig.Kind.RATE) {
                RouteLimit.OverrideRate rate = l.rateFor(ctx);
                long interval = rate.interval();
                long burst = rate.burst();
                policy = rate.policy(); // null: built only if this limit turns out the tightest
                int index = 0;
                long fill;
                if (l.shares != null) {
                    App app = ctx.get(StandardAttrs.APP);
                    int g = l.shares.groupOf(app == null ? null : app.priority());
                    long taken = l.shares.take(cells, g, now, interval, burst);
                    if (taken < 0) {
                        long groupBurst = l.shares.burst(g, burst);
                        return exceeded(ctx, pass, l, -taken,
                                RouteLimit.ratePolicy(l.id, groupBurst, l.shares.interval(g, interval)), groupBurst);
                    }
                    index = PriorityShares.index(taken);
                    fill = PriorityShares.fill(taken);
                    interval = l.shares.interval(index, interval);
                    burst = l.shares.burst(index, burst);
                    policy = null; // the share of the bucket it came from, built if this limit is the tightest
                } else if (l.queue) {
                    fill = TokenBucket.reserve(cells, 0, now, interval, burst * interval, l.maxWaitNanos, l.maxLength);
                    if (fill < 0) {
                        return exceeded(ctx, pass, l, -fill, policy != null ? policy : policyOf(l, burst, interval),
                                burst);
                    }
                    long wait = fill - burst * interval;
                    if (wait > delay) {
                        delay = wait;
                        queuedBy = l;
                    }
                } else {
                    fill = TokenBucket.take(cells, 0, now, interval, burst * interval);
                    if (fill < 0) {
                        return exceeded(ctx, pass, l, -fill, policy != null ? policy : policyOf(l, burst, interval),
                                burst);
                    }
                }
                if (l.queue || i < n - 1 || more) {
                    pass = pass == null ? newPass() : pass;
                    pass.hold(Pass.RATE, cells, index, interval);
                }
                q = burst;
                r = TokenBucket.remaining(fill, burst * interval, interval);
                t = (fill + SECOND - 1) / SECOND;
            } else if (l.kind == LimitConfig.Kind.CONCURRENCY) {
                if (InFlight.acquire(cells, 0, l.concurrency) < 0) {
                    return exceeded(ctx, pass, l, SECOND, null, 0);
                }
                pass = pass == null ? newPass() : pass;
                pass.hold(Pass.CONCURRENCY, cells, 0, 0);
                continue; // not a time-based policy: no RateLimit fields
            } else {
                if (millis == Long.MIN_VALUE) {
                    millis = store.clock().currentTimeMillis();
                }
                QuotaWindows.Window w = l.windows.at(millis);
                long count = FixedWindow.take(cells, 0, w.number(), l.quota);
                long toEnd = w.endMillis() - millis;
                if (count < 0) {
                    return exceeded(ctx, pass, l, toEnd * 1_000_000L, l.policy, l.quota);
                }
                if (i < n - 1 || more) {
                    pass = pass == null ? newPass() : pass;
                    pass.hold(Pass.QUOTA, cells, 0, w.number());
                }
                q = l.quota;
                r = l.quota - count;
                t = (toEnd + 999) / 1000;
                policy = l.policy;
            }
            if (tight == null || r * tightQ < tightR * q) {
                tight = l;
                tightPolicy = policy;
                tightR = r;
                tightQ = q;
                tightT = t;
            }
        }
        if (more) {
            return new ClusterDecision(this, ctx, method, pass, tight, tightPolicy, tightR, tightQ, tightT, queuedBy, delay)
                    .start();
        }
        return admit(ctx, method, pass, tight, tightPolicy, tightR, tightQ, tightT, queuedBy, delay);
    }

    Pass newPass() {
        return new Pass(limits.length + clusters.length);
    }

    /** Every limit admitted: count it, set the headers of the tightest, and queue if a limit asked to. */
    CompletionStage<FilterResult> admit(RequestContext ctx, String method, Pass pass, RouteLimit tight,
            String tightPolicy, long tightR, long tightQ, long tightT, RouteLimit queuedBy, long delay) {
        for (RouteLimit l : limits) {
            if (l != queuedBy && l.appliesTo(method)) {
                l.admitted();
            }
        }
        for (RouteLimit l : clusters) {
            if (l != queuedBy && l.appliesTo(method)) {
                l.admitted();
            }
        }
        if (pass != null && pass.holdsConcurrency()) {
            ctx.onEnd(pass::release);
        }
        if (headers && tight != null) {
            String policy = tightPolicy != null ? tightPolicy : policyOf(tight, tightQ, tight.kind == LimitConfig
                    .Kind.RATE ? effectiveInterval(tight, ctx) : 0);
            setHeaders(ctx, tight, policy, tightQ, tightR, tightT);
        }
        if (queuedBy != null) {
            return queue(ctx, queuedBy, pass, delay);
        }
        return FilterResult.proceed();
    }

    /** The interval of the tightest rate limit as applied to this request (for a policy built late). */
    private static long effectiveInterval(RouteLimit l, RequestContext ctx) {
        long interval = l.rateFor(ctx).interval();
        if (l.shares != null) {
            App app = ctx.get(StandardAttrs.APP);
            interval = l.shares.interval(l.shares.groupOf(app == null ? null : app.priority()), interval);
        }
        return interval;
    }

    static String policyOf(RouteLimit l, long burst, long interval) {
        return l.kind == LimitConfig.Kind.RATE ? RouteLimit.ratePolicy(l.id, burst, interval) : l.policy;
    }

    private void setHeaders(RequestContext ctx, RouteLimit l, String policy, long q, long r, long t) {
        ctx.setResponseHeader(l.policyHeader(policy));
        ctx.setResponseHeader(l.remaining(r, t));
        if (legacyHeaders) {
            ctx.setResponseHeader("X-RateLimit-Limit", Long.toString(q));
            ctx.setResponseHeader("X-RateLimit-Remaining", Long.toString(r));
            ctx.setResponseHeader("X-RateLimit-Reset", Long.toString(t));
        }
    }

    /** Limit {@code l} refused: give back what earlier limits took, then reject, fall back or (queue full) reject. */
    CompletionStage<FilterResult> exceeded(RequestContext ctx, Pass pass, RouteLimit l, long waitNanos,
            String policy, long q) {
        if (pass != null) {
            pass.undo();
        }
        ctx.set(StandardAttrs.LIMIT, l.id);
        long retry = Math.max(1, (waitNanos + SECOND - 1) / SECOND);
        if (headers && policy != null) {
            setHeaders(ctx, l, policy, q, 0, retry);
        }
        if (l.fallback != null) {
            l.fellBack();
            return l.fallback;
        }
        l.rejected();
        ctx.setResponseHeader("Retry-After", Long.toString(retry));
        return l.refusal;
    }

    /** Waits on the event loop for the token reserved {@code delay} nanoseconds ahead. */
    private CompletionStage<FilterResult> queue(RequestContext ctx, RouteLimit l, Pass pass, long delay) {
        l.queued();
        ctx.set(StandardAttrs.LIMIT, l.id);
        Waiter w = new Waiter(l, pass, store.now());
        l.state.queued().incrementAndGet();
        w.timer = ctx.eventLoop().schedule(w, delay, TimeUnit.NANOSECONDS);
        ctx.onCancel(w::cancel);
        return w.result;
    }

    /** One queued request: served when its token is due, or gone (and its tokens given back) if cancelled first. */
    private final class Waiter implements Runnable {
        final CompletableFuture<FilterResult> result = new CompletableFuture<>();
        private final RouteLimit limit;
        private final Pass pass;
        private final long since;
        ScheduledFuture<?> timer;
        private boolean done;

        Waiter(RouteLimit limit, Pass pass, long since) {
            this.limit = limit;
            this.pass = pass;
            this.since = since;
        }

        /** The reserved token is due: continue the chain (on the loop). */
        @Override
        public void run() {
            if (done) {
                return;
            }
            done = true;
            limit.state.queued().decrementAndGet();
            if (limit.queueWait != null) {
                limit.queueWait.record(Math.max(0, store.now() - since));
            }
            limit.admitted();
            result.complete(FilterResult.CONTINUE);
        }

        /** The client went away (or the filters timed out): leave the queue and take nothing. */
        void cancel() {
            if (done) {
                return;
            }
            done = true;
            timer.cancel(false);
            limit.state.queued().decrementAndGet();
            pass.undo();
        }
    }

    /** What one request took from its limits, to give back (refusal, cancellation) or release (the end). */
    static final class Pass {
        static final byte RATE = 0;
        static final byte QUOTA = 1;
        static final byte CONCURRENCY = 2;

        private final AtomicLongArray[] cells;
        private final int[] index;
        private final long[] amount;
        private final byte[] type;
        private int size;
        private boolean undone;
        private boolean released;
        private Runnable alsoUndo;

        Pass(int n) {
            cells = new AtomicLongArray[n];
            index = new int[n];
            amount = new long[n];
            type = new byte[n];
        }

        void hold(byte kind, AtomicLongArray c, int i, long a) {
            cells[size] = c;
            index[size] = i;
            amount[size] = a;
            type[size] = kind;
            size++;
        }

        boolean holdsConcurrency() {
            for (int i = 0; i < size; i++) {
                if (type[i] == CONCURRENCY) {
                    return true;
                }
            }
            return false;
        }

        /** Also run by {@link #undo}: gives back what cluster limits took in Redis (a queued request left). */
        void alsoUndo(Runnable r) {
            alsoUndo = r;
        }

        /** Gives back every token and count, and releases concurrency slots. Once. */
        void undo() {
            if (undone) {
                return;
            }
            undone = true;
            if (alsoUndo != null) {
                alsoUndo.run();
            }
            for (int i = 0; i < size; i++) {
                if (type[i] == RATE) {
                    TokenBucket.refund(cells[i], index[i], amount[i]);
                } else if (type[i] == QUOTA) {
                    FixedWindow.refund(cells[i], index[i], amount[i]);
                }
            }
            release();
        }

        /** The exchange ended: releases the concurrency slots held. Once. */
        void release() {
            if (released) {
                return;
            }
            released = true;
            for (int i = 0; i < size; i++) {
                if (type[i] == CONCURRENCY) {
                    InFlight.release(cells[i], index[i]);
                }
            }
        }
    }
}
