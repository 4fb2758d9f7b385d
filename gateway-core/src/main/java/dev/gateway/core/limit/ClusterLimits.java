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
 * The counters of {@code scope: cluster} limits, in Redis: decisions are {@code EVALSHA}s of
 * {@code cluster-limit.lua} (reloaded on {@code NOSCRIPT}), atomic on the node that holds the keys.
 *
 * <ul>
 * <li>Token buckets are GCRA cells on Redis's own clock ({@code TIME}, in microseconds), so node clocks don't
 * matter: {@code <prefix>{rl:<key>}:<limit>:tb} holds the theoretical arrival time and expires when the bucket would
 * be full again.</li>
 * <li>Quotas count in {@code <prefix>{rl:<key>}:<limit>:q:<window>}, where the window number (its start in minutes
 * since the epoch, in the quota's time zone) is computed on the node from its own clock; the key expires a minute
 * after the window ends, so a node whose clock is a little off still finds it.</li>
 * </ul>
 *
 * The hash tag is the key value ({@code rl:<key>}), so every limit that counts one key value (an app's rate and its
 * daily quota) lands in one slot, and {@link #decide} asks all of them in one round trip, all or nothing. Limits of
 * one request with different key values are asked one tag after another; what an earlier tag took is given back when
 * a later one refuses. Key values holding {@code {}}, {@code }}, {@code ,} or {@code %} are percent-encoded so they
 * never end the hash tag.
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

    /** The hash tag of a key value: every limit's keys for that value share it. */
    public static String tag(Object key) {
        StringBuilder b = new StringBuilder(24).append("rl:");
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

    /** The key of a limit's token bucket for the key value whose {@link #tag} is {@code tag}. */
    public String bucketKey(String limit, String tag) {
        return keys.tagged(tag, limit, "tb");
    }

    /** The key of a quota's count for the key value whose tag is {@code tag}, in window {@code window}. */
    public String quotaKey(String limit, String tag, long window) {
        return keys.tagged(tag, limit, "q", Long.toString(window));
    }

    /**
     * Decides limits whose keys share one hash tag at once: bucket {@code i} ({@code bucket[i]}) takes a token of
     * interval {@code a[i]} nanoseconds from a bucket of {@code b[i]} tokens, or reserves one up to
     * {@code queue[i]} nanoseconds ahead (a queueing limit; 0: now or never); quota {@code i} counts one request if
     * fewer than {@code a[i]} were, its key living {@code b[i]} milliseconds. Either all admit and all are taken, or
     * nothing is. Returns {0, then per limit a bucket's fill after taking in nanoseconds (above its capacity: a
     * reservation due in the difference) or a quota's count after}, or {i (from 1), minus the nanoseconds until
     * limit i has a token, or -1 for a quota} for the first that refuses.
     */
    public CompletionStage<long[]> decide(String[] keys, boolean[] bucket, long[] a, long[] b, long[] queue) {
        int n = keys.length;
        String[] args = new String[2 + 4 * n];
        args[0] = "decide";
        args[1] = Integer.toString(n);
        for (int i = 0; i < n; i++) {
            if (bucket[i]) {
                long interval = micros(a[i]);
                args[2 + 4 * i] = "tb";
                args[3 + 4 * i] = Long.toString(interval);
                args[4 + 4 * i] = Long.toString(interval * b[i]);
                args[5 + 4 * i] = Long.toString(queue[i] / 1000);
            } else {
                args[2 + 4 * i] = "q";
                args[3 + 4 * i] = Long.toString(a[i]);
                args[4 + 4 * i] = Long.toString(Math.max(1, b[i]));
                args[5 + 4 * i] = "0";
            }
        }
        return script.<List<Long>>run(ScriptOutputType.MULTI, keys, args).thenApply(v -> {
            long[] out = new long[v.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = v.get(i);
            }
            int refused = (int) out[0];
            if (refused > 0) {
                out[1] = bucket[refused - 1] ? out[1] * 1000 : out[1];
            } else {
                for (int i = 0; i < n; i++) {
                    out[i + 1] = bucket[i] ? out[i + 1] * 1000 : out[i + 1];
                }
            }
            return out;
        });
    }

    /**
     * Takes a token from the bucket at {@code key} (refilled every {@code intervalNanos}, holding {@code burst}), as
     * a {@link #decide} of that one bucket:
     * the fill after taking, in nanoseconds (positive), or minus the nanoseconds until a token is free. Redis's
     * clock is read in microseconds, so an interval is rounded to whole microseconds (at least 1).
     */
    public CompletionStage<Long> take(String key, long intervalNanos, long burst) {
        return decide(new String[] {key}, new boolean[] {true}, new long[] {intervalNanos}, new long[] {burst},
                new long[1]).thenApply(v -> v[1]);
    }

    /** The key of a priority-split rate's buckets (a hash, one field per group) for the key value with {@code tag}. */
    public String priorityKey(String limit, String tag) {
        return keys.tagged(tag, limit, "pg");
    }

    /**
     * Takes a token for a request of group {@code g} from a rate split among priority groups ({@link
     * PriorityShares}, decided in Redis): from its own bucket, else borrowed from the others in order. Bucket
     * {@code h} is refilled every {@code intervals[h]} nanoseconds and lends at most {@code usable[h]} tokens to this
     * request's group. The hash lives {@code fullAfterNanos} (the time an empty bucket takes to refill: the same for
     * every group) after each take. Returns {bucket taken from, its fill after in nanoseconds}, or {-1, minus the
     * nanoseconds until g's own bucket has a token}.
     */
    public CompletionStage<long[]> priorityTake(String key, int g, long[] intervals, long[] usable,
            long fullAfterNanos) {
        int n = intervals.length;
        String[] args = new String[4 + 2 * n];
        args[0] = "ptake";
        args[1] = Integer.toString(g);
        args[2] = Integer.toString(n);
        for (int h = 0; h < n; h++) {
            long interval = micros(intervals[h]);
            args[3 + 2 * h] = Long.toString(interval);
            args[4 + 2 * h] = Long.toString(usable[h] * interval);
        }
        // Until every bucket would be full again (a full bucket and a missing one are the same).
        args[3 + 2 * n] = Long.toString(fullAfterNanos / 1_000_000 + 1);
        return script.<List<Long>>run(ScriptOutputType.MULTI, new String[] {key}, args)
                .thenApply(v -> new long[] {v.get(0), v.get(1) * 1000});
    }

    /** Gives a token back to group {@code h}'s bucket of a priority-split rate. */
    public CompletionStage<Long> priorityGive(String key, int h, long intervalNanos) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "pgive", Integer.toString(h),
                Long.toString(micros(intervalNanos)));
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
     * Counts one request at {@code key} if fewer than {@code limit} were ({@link #decide} of that one quota): the
     * count after, or -1. The key lives
     * {@code ttlMillis} from its first count.
     */
    public CompletionStage<Long> count(String key, long limit, long ttlMillis) {
        return decide(new String[] {key}, new boolean[] {false}, new long[] {limit}, new long[] {ttlMillis},
                new long[1]).thenApply(v -> v[1]);
    }

    /** Uncounts a request counted at {@code key}. */
    public CompletionStage<Long> uncount(String key) {
        return script.run(ScriptOutputType.INTEGER, new String[] {key}, "uncount");
    }

    private static long micros(long nanos) {
        return Math.max(1, Math.round(nanos / 1000.0));
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
