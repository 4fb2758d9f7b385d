package dev.gateway.core.limit;

import dev.gateway.core.config.App;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Applies every limit of one route to a request; all must admit it. Token buckets are asked first, then concurrency,
 * then quotas, and whatever was taken is given back when a later limit refuses, so a quota counts admitted requests
 * only. A refusal is answered by the caller's {@link LimitAnswers} (a 429 or the limit's fallback), or, for a
 * queueing limit, becomes a wait on the event loop for the token it reserved ({@link QueuedRequest}). The tightest
 * limit is reported with every admission, for the RateLimit fields.
 *
 * <p>Cluster limits ({@code scope: cluster}) are asked after the local ones ({@link ClusterDecision}); the stage then
 * completes on the event loop when Redis has answered. When Redis fails (or times out) a fail-open limit decides on a
 * local share of itself (limit / expected-nodes) and a fail-closed one is answered as unavailable; either way the
 * decision is counted with result=error.
 *
 * <p>Immutable, shared by the route's requests. Runs on the event loop; decisions take no lock. A request with one
 * local rate limit allocates only its map key; routes without cluster limits decide synchronously.
 */
public final class RouteLimits {
    static final long SECOND = Limit.SECOND;

    final Limit[] limits;
    final Limit[] clusters;
    final LocalLimits store;
    final ClusterLimits cluster;

    /**
     * @param limits the local limits, in {@link Limit#ORDER}; {@code clusters} the cluster ones, decided by
     *     {@code cluster} after them (null when there are none)
     */
    public RouteLimits(Limit[] limits, Limit[] clusters, LocalLimits store, ClusterLimits cluster) {
        this.limits = limits.clone();
        this.clusters = clusters.clone();
        this.store = store;
        this.cluster = cluster;
    }

    /** Decides {@code ctx}; every outcome but admission (and a queue's wait) is {@code answers}'s. */
    public CompletionStage<FilterResult> apply(RequestContext ctx, LimitAnswers answers) {
        String method = ctx.method().name();
        long now = store.now();
        long millis = Long.MIN_VALUE;
        int n = limits.length;
        boolean more = clusters.length > 0; // cluster limits follow: hold what local ones take
        Holds holds = null;
        // The tightest limit so far (lowest remaining / quota), for the RateLimit fields.
        Limit tight = null;
        String tightPolicy = null;
        long tightR = 0;
        long tightQ = 1;
        long tightT = 0;
        long delay = 0;
        Limit queuedBy = null;
        for (int i = 0; i < n; i++) {
            Limit l = limits[i];
            if (!l.appliesTo(method)) {
                continue;
            }
            AtomicLongArray cells = l.state.cells(l.key(ctx));
            long q;
            long r;
            long t;
            String policy;
            if (l.kind == LimitConfig.Kind.RATE) {
                Limit.OverrideRate rate = l.rateFor(ctx);
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
                        return exceeded(ctx, answers, holds, l, -taken,
                                Limit.ratePolicy(l.id, groupBurst, l.shares.interval(g, interval)), groupBurst);
                    }
                    index = PriorityShares.index(taken);
                    fill = PriorityShares.fill(taken);
                    interval = l.shares.interval(index, interval);
                    burst = l.shares.burst(index, burst);
                    policy = null; // the share of the bucket it came from, built if this limit is the tightest
                } else if (l.queue) {
                    fill = TokenBucket.reserve(cells, 0, now, interval, burst * interval, l.maxWaitNanos, l.maxLength);
                    if (fill < 0) {
                        return exceeded(ctx, answers, holds, l, -fill,
                                policy != null ? policy : l.policy(burst, interval), burst);
                    }
                    long wait = fill - burst * interval;
                    if (wait > delay) {
                        delay = wait;
                        queuedBy = l;
                    }
                } else {
                    fill = TokenBucket.take(cells, 0, now, interval, burst * interval);
                    if (fill < 0) {
                        return exceeded(ctx, answers, holds, l, -fill,
                                policy != null ? policy : l.policy(burst, interval), burst);
                    }
                }
                if (l.queue || i < n - 1 || more) {
                    holds = holds == null ? newHolds() : holds;
                    holds.hold(Holds.RATE, cells, index, interval);
                }
                q = burst;
                r = TokenBucket.remaining(fill, burst * interval, interval);
                t = (fill + SECOND - 1) / SECOND;
            } else if (l.kind == LimitConfig.Kind.CONCURRENCY) {
                if (InFlight.acquire(cells, 0, l.concurrency) < 0) {
                    return exceeded(ctx, answers, holds, l, SECOND, null, 0);
                }
                holds = holds == null ? newHolds() : holds;
                holds.hold(Holds.CONCURRENCY, cells, 0, 0);
                continue; // not a time-based policy: no RateLimit fields
            } else {
                if (millis == Long.MIN_VALUE) {
                    millis = store.clock().currentTimeMillis();
                }
                QuotaWindows.Window w = l.windows.at(millis);
                long count = FixedWindow.take(cells, 0, w.number(), l.quota);
                long toEnd = w.endMillis() - millis;
                if (count < 0) {
                    return exceeded(ctx, answers, holds, l, toEnd * 1_000_000L, l.policy, l.quota);
                }
                if (i < n - 1 || more) {
                    holds = holds == null ? newHolds() : holds;
                    holds.hold(Holds.QUOTA, cells, 0, w.number());
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
            return new ClusterDecision(this, answers, ctx, method, holds, tight, tightPolicy, tightR, tightQ, tightT,
                    queuedBy, delay).start();
        }
        return admit(ctx, answers, method, holds, tight, tightPolicy, tightR, tightQ, tightT, queuedBy, delay);
    }

    Holds newHolds() {
        return new Holds(limits.length + clusters.length);
    }

    /** Every limit admitted: count it, report the tightest, and queue if a limit asked to. */
    CompletionStage<FilterResult> admit(RequestContext ctx, LimitAnswers answers, String method, Holds holds,
            Limit tight, String tightPolicy, long tightR, long tightQ, long tightT, Limit queuedBy, long delay) {
        for (Limit l : limits) {
            if (l != queuedBy && l.appliesTo(method)) {
                l.admitted();
            }
        }
        for (Limit l : clusters) {
            if (l != queuedBy && l.appliesTo(method)) {
                l.admitted();
            }
        }
        if (holds != null && holds.holdsConcurrency()) {
            ctx.onEnd(holds::release);
        }
        if (tight != null) {
            answers.admitted(ctx, tight, tightPolicy, tightQ, tightR, tightT);
        }
        if (queuedBy != null) {
            queuedBy.queued();
            ctx.set(StandardAttrs.LIMIT, queuedBy.id);
            return new QueuedRequest(queuedBy, holds, store).start(ctx, delay);
        }
        return FilterResult.proceed();
    }

    /** Limit {@code l} refused: give back what earlier limits took, then let {@code answers} answer. */
    CompletionStage<FilterResult> exceeded(RequestContext ctx, LimitAnswers answers, Holds holds, Limit l,
            long waitNanos, String policy, long q) {
        if (holds != null) {
            holds.undo();
        }
        ctx.set(StandardAttrs.LIMIT, l.id);
        return answers.refused(ctx, l, policy, q, Math.max(1, (waitNanos + SECOND - 1) / SECOND));
    }
}
