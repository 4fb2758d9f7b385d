package dev.gateway.core.auth;

import dev.gateway.core.redis.RedisService;
import io.lettuce.core.SetArgs;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The replay store shared by every node: {@code SET <prefix>replay:<app key>:<signature> 1 NX PX <window>} on the
 * shared Redis connection, so a signature used on one node is refused on all of them. One command per signed request
 * on a route with {@code replay-protection: true}; never blocks.
 *
 * <p>When Redis cannot answer (down, or slower than {@code command-timeout}) the stage fails: the caller decides.
 * The hmac-auth filter refuses the request (503 {@code replay_check_unavailable}, fail closed), because a per-node
 * fallback would let a replay through on any other node, which is what the route asked to prevent.
 */
public final class RedisReplayStore implements ReplayStore {
    private final RedisService redis;
    private final String prefix;

    public RedisReplayStore(RedisService redis) {
        this.redis = redis;
        this.prefix = redis.key("replay", "");
    }

    /** The Redis key of {@code key} ({@code <app key>:<signature>}): {@code <prefix>replay:<app key>:<signature>}. */
    public String redisKey(String key) {
        return prefix + key;
    }

    /**
     * Completes on a Lettuce thread with true for a first use, false for a replay; fails with the Redis error (a
     * timeout after {@code command-timeout} at the latest).
     */
    @Override
    public CompletionStage<Boolean> markUsed(String key, Duration ttl) {
        SetArgs args = SetArgs.Builder.nx().px(Math.max(1, ttl.toMillis()));
        String redisKey = prefix + key;
        return redis.call(c -> c.set(redisKey, "1", args)).thenApply(reply -> reply != null);
    }
}
