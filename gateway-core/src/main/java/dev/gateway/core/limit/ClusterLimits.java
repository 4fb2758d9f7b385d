package dev.gateway.core.limit;

import dev.gateway.core.redis.RedisKeys;
import dev.gateway.core.redis.RedisScript;
import dev.gateway.core.redis.RedisService;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The counters of {@code scope: cluster} limits, in Redis: every decision is one {@code EVALSHA} of
 * {@code cluster-limit.lua} (reloaded on {@code NOSCRIPT}), atomic on the node that holds the key.
 *
 * <ul>
 * <li>Token buckets are GCRA cells on Redis's own clock ({@code TIME}, in microseconds), so node clocks don't
 * matter: {@code <prefix>{rl:<limit>:<key>}:tb} holds the theoretical arrival time and expires when the bucket would
 * be full again.</li>
 * <li>Quotas count in {@code <prefix>{rl:<limit>:<key>}:q:<window>}, where the window number (its start in minutes
 * since the epoch, in the quota's time zone) is computed on the node from its own clock; the key expires a minute
 * after the window ends, so a node whose clock is a little off still finds it.</li>
 * </ul>
 *
 * Each limit's keys share the hash tag {@code rl:<limit>:<key>}; two limits of one request have different keys (and
 * slots) in general, so each limit is one round trip of its own, asked in order (buckets first, quotas last), and
 * what an earlier limit took is given back when a later one refuses. Key values holding {@code {}}, {@code }} or
 * {@code %} are percent-encoded so they never end the hash tag.
 *
 * <p>Thread-safe; never blocks. Stages complete on a Lettuce thread, within the Redis command timeout.
 */
public final class ClusterLimits {
    private static final String LUA = load();

    /** Leases not used for this long are dropped and their tokens given back. */
    private static final Duration LEASE_IDLE = Duration.ofSeconds(10);

    private final RedisScript script;
    private final RedisKeys keys;
    /** This node's token leases, by bucket key; bounded like the local limits' keys. */
    private final Cache<String, TokenLease> leases;

    public ClusterLimits(RedisService redis) {
        this.script = redis.script(LUA);
        this.keys = redis.keys();
        this.leases = Caffeine.newBuilder().maximumSize(LocalLimits.DEFAULT_MAX_KEYS).expireAfterAccess(LEASE_IDLE)
                .executor(Runnable::run).removalListener((String k, TokenLease lease, RemovalCause cause) -> {
                    if (lease != null) {
                        lease.drain(this);
                    }
                }).build();
    }

    /** The script's SHA-1 (tests). */
    public String sha() {
        return script.sha();
    }

    /** The key of a limit's token bucket for one key value. */
    public String bucketKey(String limit, Object key) {
        return keys.tagged(tag(limit, key), "tb");
    }

    /** The key of a quota's count for one key value in window {@code window}. */
    public String quotaKey(String limit, Object key, long window) {
        return keys.tagged(tag(limit, key), "q", Long.toString(window));
    }

    /**
     * Takes a token from the bucket at {@code key} (refilled every {@code intervalNanos}, holding {@code burst}):
     * the fill after taking, in nanoseconds (positive), or minus the nanoseconds until a token is free. Redis's
     * clock is read in microseconds, so an interval is rounded to whole microseconds (at least 1).
     */
    public CompletionStage<Long> take(String key, long intervalNanos, long burst) {
        long interval = micros(intervalNanos);
        return script.<Long>run(ScriptOutputType.INTEGER, new String[] {key}, "take", Long.toString(interval),
                Long.toString(interval * burst)).thenApply(v -> v * 1000);
    }

    /** This node's lease of the bucket at {@code key} (created empty). */
    public TokenLease lease(String key) {
        TokenLease l = leases.getIfPresent(key);
        return l != null ? l : leases.get(key, TokenLease::new);
    }

    /**
     * Takes up to {@code tokens} tokens at once from the bucket at {@code key}, for a {@link TokenLease}: {granted,
     * fill after taking in nanoseconds} when at least one was free, else {0, minus the nanoseconds until one is}.
     */
    public CompletionStage<long[]> lease(String key, long intervalNanos, long burst, int tokens) {
        long interval = micros(intervalNanos);
        return script.<List<Long>>run(ScriptOutputType.MULTI, new String[] {key}, "lease", Long.toString(interval),
                Long.toString(interval * burst), Integer.toString(tokens))
                .thenApply(v -> new long[] {v.get(0), v.get(1) * 1000});
    }

    /** Gives {@code n} tokens back to the bucket at {@code key} (a lease's unspent ones). */
    public CompletionStage<Long> give(String key, long intervalNanos, long n) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "give",
                Long.toString(micros(intervalNanos) * n));
    }

    /** Gives back a token taken from the bucket at {@code key}. */
    public CompletionStage<Long> give(String key, long intervalNanos) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "give",
                Long.toString(micros(intervalNanos)));
    }

    /**
     * Counts one request at {@code key} if fewer than {@code limit} were: the count after, or -1. The key lives
     * {@code ttlMillis} from its first count.
     */
    public CompletionStage<Long> count(String key, long limit, long ttlMillis) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "count", Long.toString(limit),
                Long.toString(Math.max(1, ttlMillis)));
    }

    /** Uncounts a request counted at {@code key}. */
    public CompletionStage<Long> uncount(String key) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "uncount");
    }

    private static long micros(long nanos) {
        return Math.max(1, Math.round(nanos / 1000.0));
    }

    private static String tag(String limit, Object key) {
        StringBuilder b = new StringBuilder(limit.length() + 24).append("rl:").append(limit).append(':');
        if (key instanceof List<?> values) {
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                append(b, values.get(i));
            }
        } else {
            append(b, key);
        }
        return b.toString();
    }

    private static void append(StringBuilder b, Object value) {
        String s = value instanceof InetAddress a ? a.getHostAddress() : String.valueOf(value);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '{' -> b.append("%7B");
                case '}' -> b.append("%7D");
                case '%' -> b.append("%25");
                case ',' -> b.append("%2C");
                default -> b.append(c);
            }
        }
    }

    private static String load() {
        try (InputStream in = ClusterLimits.class.getResourceAsStream("cluster-limit.lua")) {
            if (in == null) {
                throw new IllegalStateException("cluster-limit.lua is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
