package dev.gateway.core.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The replay store of one node: a Caffeine cache whose entries expire after their own time to live, bounded in
 * size. Lock-free for callers; answers with an already completed stage.
 */
public final class LocalReplayStore implements ReplayStore {
    private static final CompletionStage<Boolean> FIRST = CompletableFuture.completedStage(Boolean.TRUE);
    private static final CompletionStage<Boolean> REPLAY = CompletableFuture.completedStage(Boolean.FALSE);

    private final Cache<String, Long> seen;

    /** @param maxEntries the most signatures remembered at once (the oldest are forgotten first beyond it) */
    public LocalReplayStore(long maxEntries) {
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfter(Expiry.<String, Long>creating((key, ttlNanos) -> Duration.ofNanos(ttlNanos)))
                .build();
    }

    @Override
    public CompletionStage<Boolean> markUsed(String key, Duration ttl) {
        return seen.asMap().putIfAbsent(key, ttl.toNanos()) == null ? FIRST : REPLAY;
    }
}
