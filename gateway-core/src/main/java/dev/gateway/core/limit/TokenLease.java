package dev.gateway.core.limit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * This node's lease of tokens from one cluster token bucket ({@code lease:} on a {@code scope: cluster} rate limit):
 * up to {@code lease} tokens taken from Redis in one round trip and spent here, so a busy key costs one round trip
 * per lease instead of one per request.
 *
 * <ul>
 * <li>Tokens are taken from the Redis bucket when leased, so the cluster never grants more than the bucket holds;
 * what leasing changes is when a token is spent. A leased token can be spent up to {@code max-age} after it was
 * taken, so in any period the limit admits at most what it would without leasing plus {@code lease} tokens per
 * node (the ones each node held when the period began).</li>
 * <li>Tokens left when a lease is {@code max-age} old, or when the lease is dropped (idle or evicted), are given
 * back to the bucket; a node that stops getting requests holds back at most {@code lease} tokens until then.</li>
 * <li>One lease request per key is in flight at a time: requests that find the lease empty while one is wait for
 * it and take from what it brings, or start the next one.</li>
 * </ul>
 *
 * Thread-safe and lock-free: spending is one compare-and-set; nothing allocates unless the lease is empty.
 */
public final class TokenLease {
    private static final VarHandle TOKENS;
    private static final VarHandle PENDING;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            TOKENS = l.findVarHandle(TokenLease.class, "tokens", long.class);
            PENDING = l.findVarHandle(TokenLease.class, "pending", CompletableFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String key;
    /** Tokens leased and not spent yet. */
    @SuppressWarnings("unused") // through TOKENS
    private volatile long tokens;
    /** When the tokens held go back (store nanos). */
    private volatile long expiresAt;
    /** The token interval of the tokens held, to give them back. */
    private volatile long interval;
    /** Tokens the Redis bucket had left after the last lease (for the RateLimit header). */
    private volatile long bucketRemaining;
    /** Until when Redis has no token, as its last answer said (store nanos): refuse here without asking. */
    private volatile long emptyUntil;
    /**
     * The lease request in flight: completes with the tokens granted (0: none asked, the lease already has some), or
     * minus the nanoseconds until one is free.
     */
    private volatile CompletableFuture<Long> pending;

    TokenLease(String key) {
        this.key = key;
    }

    /** The Redis key of the bucket. */
    public String key() {
        return key;
    }

    /** Tokens held now (tests, the admin view). */
    public long tokens() {
        return (long) TOKENS.getVolatile(this);
    }

    /**
     * Spends a leased token: the bucket's estimated fill after it ({@code capacity} minus the tokens left here and
     * in Redis at the last lease, in nanoseconds, in (0, capacity]); minus the nanoseconds until Redis will have a
     * token again, when its last answer was that it had none; else 0: ask Redis ({@link #acquire}). A lease too old
     * to spend gives its tokens back to Redis through {@code cluster} first.
     */
    public long take(ClusterLimits cluster, long now, long capacity) {
        if (now - expiresAt < 0) {
            for (;;) {
                long t = (long) TOKENS.getVolatile(this);
                if (t <= 0) {
                    break;
                }
                if (TOKENS.compareAndSet(this, t, t - 1)) {
                    long i = interval;
                    long fill = capacity - (t - 1 + bucketRemaining) * i;
                    return fill < i ? i : Math.min(fill, capacity);
                }
            }
        } else {
            drain(cluster);
        }
        long wait = emptyUntil - now;
        return wait > 0 ? -wait : 0;
    }

    /** Gives back a token spent by a request that another limit then refused. */
    public void refund() {
        TOKENS.getAndAdd(this, 1L);
    }

    /**
     * A token for a request that found the lease empty ({@link #take} answered 0): the fill after taking it (as
     * {@link #take}), or minus the nanoseconds until the bucket has one. Joins the lease request in flight, or starts one for {@code size}
     * tokens, and takes from what it brings; when others took those first, asks again. Completes on a Lettuce
     * thread, or at once; fails when Redis does.
     */
    public CompletionStage<Long> acquire(ClusterLimits cluster, LocalLimits store, long interval, long burst,
            int size, long maxAgeNanos) {
        long now = take(cluster, store.now(), burst * interval); // a lease that landed since the caller's take
        if (now != 0) {
            return CompletableFuture.completedFuture(now);
        }
        return lease(cluster, store, interval, burst, size, maxAgeNanos).thenCompose(granted -> {
            if (granted < 0) {
                return CompletableFuture.completedFuture(granted);
            }
            long fill = take(cluster, store.now(), burst * interval);
            return fill != 0 ? CompletableFuture.completedFuture(fill)
                    : acquire(cluster, store, interval, burst, size, maxAgeNanos);
        });
    }

    private CompletableFuture<Long> lease(ClusterLimits cluster, LocalLimits store, long interval, long burst,
            int size, long maxAgeNanos) {
        for (;;) {
            CompletableFuture<Long> p = pending;
            if (p != null) {
                return p;
            }
            CompletableFuture<Long> mine = new CompletableFuture<>();
            if (!PENDING.compareAndSet(this, null, mine)) {
                continue;
            }
            long asked = store.now();
            if ((long) TOKENS.getVolatile(this) > 0 && asked - expiresAt < 0) {
                // Another lease landed between the caller's look and this one (it adds its tokens before it
                // clears pending): take from it instead of asking Redis again.
                pending = null;
                mine.complete(0L);
                return mine;
            }
            drain(cluster);
            cluster.lease(key, interval, burst, size).whenComplete((answer, failure) -> {
                long granted = 0;
                if (failure == null) {
                    granted = answer[0];
                    if (granted > 0) {
                        this.interval = interval;
                        this.bucketRemaining = TokenBucket.remaining(answer[1], burst * interval, interval);
                        this.expiresAt = asked + maxAgeNanos;
                        TOKENS.getAndAdd(this, granted);
                    } else {
                        granted = Math.min(-1, answer[1]);
                        this.emptyUntil = asked - granted;
                    }
                }
                pending = null;
                if (failure != null) {
                    mine.completeExceptionally(failure);
                } else {
                    mine.complete(granted);
                }
            });
            return mine;
        }
    }

    /** Gives the tokens held back to Redis (best effort: if that fails, they are spent). */
    void drain(ClusterLimits cluster) {
        long t = (long) TOKENS.getAndSet(this, 0L);
        if (t > 0) {
            cluster.give(key, interval, t);
        }
    }

    @Override
    public String toString() {
        return "TokenLease[" + key + ", " + tokens() + " tokens]";
    }
}
