package dev.gateway.core.limit;

import dev.gateway.core.config.App;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

/**
 * The cluster limits of one request. Limits whose keys share a hash tag (they count the same key value) are asked
 * together, in one Redis round trip that admits all or none ({@link ClusterLimits#decide}); a leased limit whose node
 * still holds tokens takes no round trip ({@link TokenLease}). Tags are asked one after another, and what an earlier
 * one took is given back when a later one refuses or the request is abandoned: to Redis, or to the lease it came
 * from. Every step runs on the request's event loop (Redis answers on a Lettuce thread and are handed over).
 */
final class ClusterDecision implements BiConsumer<long[], Throwable> {
    private final RouteLimits route;
    private final LimitAnswers answers;
    final CompletableFuture<FilterResult> result = new CompletableFuture<>();
    private final RequestContext ctx;
    private final String method;
    private Holds holds;
    private Limit tight;
    private String tightPolicy;
    private long tightR;
    private long tightQ;
    private long tightT;
    /** The limit whose token is furthest ahead (a queueing limit's reservation), and how far. */
    private Limit queuedBy;
    private long delay;
    private boolean done;
    private int next;
    /** Quotas' clock reading, taken once. */
    private long millis = Long.MIN_VALUE;

    // Per limit (an index into route.clusters), filled in when it is prepared.
    private final boolean[] prepared;
    private final boolean[] asked;
    private final String[] tags;
    private final String[] redisKeys;
    private final long[] intervals;
    private final long[] bursts;
    private final String[] policies;
    private final QuotaWindows.Window[] windows;
    /** What each limit took from, to give back: its Redis key or its lease; null when nothing is held. */
    private final Object[] held;

    /** The limits asked in the round trip in flight. */
    private final int[] group;
    private int groupSize;

    ClusterDecision(RouteLimits route, LimitAnswers answers, RequestContext ctx, String method, Holds holds,
            Limit tight, String tightPolicy, long tightR, long tightQ, long tightT, Limit queuedBy, long delay) {
        this.route = route;
        this.answers = answers;
        int n = route.clusters.length;
        this.prepared = new boolean[n];
        this.asked = new boolean[n];
        this.tags = new String[n];
        this.redisKeys = new String[n];
        this.intervals = new long[n];
        this.bursts = new long[n];
        this.policies = new String[n];
        this.windows = new QuotaWindows.Window[n];
        this.held = new Object[n];
        this.group = new int[n];
        this.ctx = ctx;
        this.method = method;
        this.holds = holds;
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

    /** Asks the next limits that apply (a leased one, or every one sharing the next tag), or admits. */
    private void step() {
        Limit[] clusters = route.clusters;
        while (next < clusters.length) {
            int i = next;
            Limit l = clusters[i];
            if (asked[i] || !l.appliesTo(method)) {
                next++;
                continue;
            }
            prepare(i);
            asked[i] = true;
            if (l.shares != null) { // a rate split among priority groups: its own round trip
                PriorityShares shares = l.shares;
                int g = shares.groupOf(priority());
                int n = shares.groups();
                long[] iv = new long[n];
                long[] usable = new long[n];
                long full = 0;
                for (int h = 0; h < n; h++) {
                    iv[h] = shares.interval(h, intervals[i]);
                    usable[h] = shares.usable(h, g, bursts[i]);
                    full = Math.max(full, shares.burst(h, bursts[i]) * iv[h]);
                }
                groupSize = 1;
                group[0] = i;
                route.cluster.priorityTake(redisKeys[i], g, iv, usable, full).whenComplete((v, t) ->
                        onLoop(v, t, PRIORITY));
                return;
            }
            if (l.lease > 0) {
                TokenLease lease = route.cluster.lease(redisKeys[i]);
                long fill = lease.take(route.cluster, route.store.now(), bursts[i] * intervals[i]);
                if (fill != 0) { // spent a leased token, or Redis said it has none: no round trip
                    if (!settle(i, fill, lease)) {
                        return;
                    }
                    next++;
                    continue;
                }
                groupSize = 1;
                group[0] = i;
                lease.acquire(route.cluster, route.store, intervals[i], bursts[i],
                        (int) Math.min(l.lease, bursts[i]), l.leaseMaxAge).whenComplete((v, t) ->
                                onLoop(v == null ? null : new long[] {v}, t, lease));
                return;
            }
            groupSize = 0;
            group[groupSize++] = i;
            for (int j = i + 1; j < clusters.length; j++) {
                if (!asked[j] && clusters[j].lease == 0 && clusters[j].shares == null && clusters[j].appliesTo(method)) {
                    prepare(j);
                    if (tags[j].equals(tags[i])) {
                        asked[j] = true;
                        group[groupSize++] = j;
                    }
                }
            }
            String[] keys = new String[groupSize];
            boolean[] bucket = new boolean[groupSize];
            long[] a = new long[groupSize];
            long[] b = new long[groupSize];
            long[] queue = new long[groupSize];
            for (int k = 0; k < groupSize; k++) {
                int m = group[k];
                keys[k] = redisKeys[m];
                bucket[k] = clusters[m].kind == LimitConfig.Kind.RATE;
                if (bucket[k]) {
                    a[k] = intervals[m];
                    b[k] = bursts[m];
                    Limit q = clusters[m];
                    // A queueing limit reserves at most max-wait ahead and behind at most max-length others.
                    queue[k] = q.queue ? Math.min(q.maxWaitNanos, q.maxLength * intervals[m]) : 0;
                } else {
                    a[k] = clusters[m].quota;
                    // The key outlives the window by a minute: nodes whose clocks differ a little find it.
                    b[k] = windows[m].endMillis() - millis + 60_000;
                }
            }
            route.cluster.decide(keys, bucket, a, b, queue).whenComplete(this);
            return;
        }
        if (queuedBy != null && heldAny()) {
            // Queued: a client that leaves the queue gives back what the cluster limits took, too.
            holds = holds == null ? route.newHolds() : holds;
            holds.alsoUndo(this::undoTaken);
        }
        finish(route.admit(ctx, answers, method, holds, tight, tightPolicy, tightR, tightQ, tightT, queuedBy, delay));
    }

    private boolean heldAny() {
        for (Object h : held) {
            if (h != null) {
                return true;
            }
        }
        return false;
    }

    /** Works out limit {@code i}'s key and rate (its override's, or the app's) or quota window for this request. */
    private void prepare(int i) {
        if (prepared[i]) {
            return;
        }
        prepared[i] = true;
        Limit l = route.clusters[i];
        tags[i] = ClusterLimits.tag(l.key(ctx));
        if (l.kind == LimitConfig.Kind.RATE) {
            Limit.OverrideRate rate = l.rateFor(ctx);
            intervals[i] = rate.interval();
            bursts[i] = rate.burst();
            policies[i] = rate.policy();
            redisKeys[i] = l.shares != null ? route.cluster.priorityKey(l.id, tags[i])
                    : route.cluster.bucketKey(l.id, tags[i]);
        } else {
            if (millis == Long.MIN_VALUE) {
                millis = route.store.clock().currentTimeMillis();
            }
            windows[i] = l.windows.at(millis);
            redisKeys[i] = route.cluster.quotaKey(l.id, tags[i], windows[i].number());
        }
    }

    /** Redis answered the group (on a Lettuce thread, or at once when it is not connected). */
    @Override
    public void accept(long[] answer, Throwable failure) {
        onLoop(answer, failure, null);
    }

    /** @param via the lease that answered, {@link #PRIORITY} for a priority-split rate, null for a group */
    private void onLoop(long[] answer, Throwable failure, Object via) {
        if (ctx.eventLoop().inEventLoop()) {
            decided(answer, failure, via);
        } else {
            ctx.eventLoop().execute(() -> decided(answer, failure, via));
        }
    }

    /**
     * The group's answer: from a lease, {value}; from a priority-split rate, {bucket, value} or {-1, minus the wait};
     * from {@link ClusterLimits#decide}, {0, value per limit} or {the refusing limit's position from 1, its value}.
     */
    private void decided(long[] answer, Throwable failure, Object via) {
        TokenLease lease = via instanceof TokenLease l ? l : null;
        if (done) { // abandoned while Redis was deciding: give back what it took
            if (failure == null) {
                if (via == PRIORITY) {
                    if (answer[0] >= 0) {
                        int m = group[0];
                        Limit l = route.clusters[m];
                        int h = (int) answer[0];
                        giveBack(new PriorityHold(redisKeys[m], h, l.shares.interval(h, intervals[m])), m);
                    }
                } else if (lease != null ? answer[0] > 0 : answer[0] == 0) {
                    for (int k = 0; k < groupSize; k++) {
                        int m = group[k];
                        giveBack(lease != null ? lease : redisKeys[m], m);
                    }
                }
            }
            return;
        }
        if (failure != null) {
            failed();
            return;
        }
        if (via == PRIORITY) {
            if (priorityDecided(group[0], answer)) {
                step();
            }
            return;
        }
        if (lease != null) {
            if (settle(group[0], answer[0], lease)) {
                step();
            }
            return;
        }
        if (answer[0] > 0) { // nothing of this group was taken
            settle(group[(int) answer[0] - 1], answer[1], null);
            return;
        }
        for (int k = 0; k < groupSize; k++) {
            int m = group[k];
            if (!settle(m, answer[k + 1], redisKeys[m])) {
                return;
            }
        }
        step();
    }

    /** A priority-split rate answered {bucket taken from, its fill} or {-1, minus the wait}: as the share it used. */
    private boolean priorityDecided(int m, long[] answer) {
        Limit l = route.clusters[m];
        int h = answer[0] >= 0 ? (int) answer[0] : l.shares.groupOf(priority());
        useRate(m, l.shares.interval(h, intervals[m]), l.shares.burst(h, bursts[m]));
        return settle(m, answer[1], answer[0] >= 0 ? new PriorityHold(redisKeys[m], h, intervals[m]) : null);
    }

    /** Limit {@code m} answers as {@code burst} tokens refilled every {@code interval}: its RateLimit fields say so. */
    private void useRate(int m, long interval, long burst) {
        intervals[m] = interval;
        bursts[m] = burst;
        policies[m] = Limit.ratePolicy(route.clusters[m].id, burst, interval);
    }

    /** The app's priority, which picks its group of a priority-split rate. */
    private String priority() {
        App app = ctx.get(StandardAttrs.APP);
        return app == null ? null : app.priority();
    }

    /** A token taken from group {@code bucket}'s bucket of a priority-split rate in Redis, to give back. */
    private record PriorityHold(String key, int bucket, long interval) {}

    /** {@link #onLoop}'s marker of a priority-split rate's answer. */
    private static final Object PRIORITY = new Object();

    /** Redis failed for the group: 503 if one of its limits fails closed, else each decides on its local share. */
    private void failed() {
        for (int k = 0; k < groupSize; k++) {
            route.clusters[group[k]].errored();
        }
        for (int k = 0; k < groupSize; k++) {
            Limit l = route.clusters[group[k]];
            if (!l.failOpen) {
                undo();
                ctx.set(StandardAttrs.LIMIT, l.id);
                finish(answers.unavailable(ctx, l));
                return;
            }
        }
        for (int k = 0; k < groupSize; k++) {
            if (!localShare(group[k])) {
                return;
            }
        }
        step();
    }

    /** Fail-open: limit {@code m} decided on this node's share of it, in the local store. */
    private boolean localShare(int m) {
        Limit l = route.clusters[m];
        AtomicLongArray cells = l.state.cells(l.key(ctx));
        holds = holds == null ? route.newHolds() : holds;
        long v;
        if (l.shares != null || l.kind == LimitConfig.Kind.RATE) {
            // This node's share: the rate over expected-nodes, its burst rounded up.
            long interval = intervals[m] * l.expectedNodes;
            long burst = Math.max(1, (bursts[m] + l.expectedNodes - 1) / l.expectedNodes);
            if (l.shares != null) {
                int g = l.shares.groupOf(priority());
                long taken = l.shares.take(cells, g, route.store.now(), interval, burst);
                int h = taken < 0 ? g : PriorityShares.index(taken);
                useRate(m, l.shares.interval(h, interval), l.shares.burst(h, burst));
                if (taken < 0) {
                    return settle(m, taken, null);
                }
                holds.hold(Holds.RATE, cells, h, intervals[m]);
                return settle(m, PriorityShares.fill(taken), null);
            }
            useRate(m, interval, burst);
            v = l.queue ? TokenBucket.reserve(cells, 0, route.store.now(), interval, burst * interval,
                    l.maxWaitNanos, l.maxLength) : TokenBucket.take(cells, 0, route.store.now(), interval,
                    burst * interval);
            if (v > 0) {
                holds.hold(Holds.RATE, cells, 0, interval);
            }
            return settle(m, v, null);
        }
        long q = Math.max(1, (l.quota + l.expectedNodes - 1) / l.expectedNodes);
        v = FixedWindow.take(cells, 0, windows[m].number(), q);
        if (v > 0) {
            holds.hold(Holds.QUOTA, cells, 0, windows[m].number());
        }
        return settle(m, v, q, null);
    }

    private boolean settle(int m, long v, Object source) {
        Limit l = route.clusters[m];
        return settle(m, v, l.kind == LimitConfig.Kind.RATE ? bursts[m] : l.quota, source);
    }

    /**
     * Limit {@code m}'s answer {@code v} (a bucket's fill, a quota's count; negative: refused) out of {@code q}:
     * remembers what it took from {@code source} and whether it is the tightest so far; false when it refused (the
     * decision is finished).
     */
    private boolean settle(int m, long v, long q, Object source) {
        Limit l = route.clusters[m];
        boolean rate = l.kind == LimitConfig.Kind.RATE;
        if (v < 0) {
            undoTaken();
            String policy = rate ? (policies[m] != null ? policies[m] : l.policy(bursts[m], intervals[m]))
                    : l.quotaPolicy(q);
            long waitNanos = rate ? -v : (windows[m].endMillis() - millis) * 1_000_000L;
            finish(route.exceeded(ctx, answers, holds, l, waitNanos, policy, q));
            return false;
        }
        if (source != null) {
            held[m] = source;
        }
        long r;
        long t;
        String p;
        if (rate) {
            long interval = intervals[m];
            long wait = v - q * interval; // above the capacity: a token reserved ahead, due in this long
            if (wait > delay) {
                delay = wait;
                queuedBy = l;
            }
            r = TokenBucket.remaining(v, q * interval, interval);
            t = (v + Limit.SECOND - 1) / Limit.SECOND;
            p = policies[m];
        } else {
            long toEnd = windows[m].endMillis() - millis;
            r = q - v;
            t = (toEnd + 999) / 1000;
            p = l.quotaPolicy(q);
        }
        if (tight == null || r * tightQ < tightR * q) {
            tight = l;
            tightPolicy = p != null ? p : Limit.ratePolicy(l.id, q, intervals[m]);
            tightR = r;
            tightQ = q;
            tightT = t;
        }
        return true;
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
        undoTaken();
        if (holds != null) {
            holds.undo();
        }
    }

    /** Gives back what cluster limits took in Redis or from leases. */
    private void undoTaken() {
        for (int m = 0; m < held.length; m++) {
            if (held[m] != null) {
                giveBack(held[m], m);
                held[m] = null;
            }
        }
    }

    private void giveBack(Object from, int m) {
        // Best effort: if Redis fails now, the token is spent (a bounded under-admission, never an over-admission).
        if (from instanceof TokenLease lease) {
            lease.refund();
        } else if (from instanceof PriorityHold p) {
            route.cluster.priorityGive(p.key(), p.bucket(), p.interval());
        } else if (route.clusters[m].kind == LimitConfig.Kind.RATE) {
            route.cluster.give((String) from, intervals[m]);
        } else {
            route.cluster.uncount((String) from);
        }
    }
}
