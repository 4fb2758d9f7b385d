package dev.gateway.core.metadata;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnel;
import com.google.common.hash.PrimitiveSink;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.redis.RedisService;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Bloom filter over every app key in Redis ({@code <prefix>app:*}): a key it rejects certainly has no record, so
 * it is answered "unknown" without a Redis read (cache penetration). Built with SCAN ({@code MATCH <prefix>app:*
 * COUNT 1000}, never KEYS; on Cluster Lettuce's SCAN walks every master in turn), rebuilt every
 * {@code rebuild-interval} and on {@link #rebuild()}, and published by one volatile write: lookups never lock and
 * never see a half-built filter. Until the first build succeeds there is no filter and every key passes, so a node
 * that could not read Redis yet never answers a false "unknown". A SCAN that finds no app keys where the one before
 * found some (Redis lost its data) is one WARN naming the keyspace and the two fixes, and an INFO once keys are back.
 *
 * <p>Threads: {@link #mightContain} on any thread (lock-free: Guava's BloomFilter is thread-safe since 23.0);
 * builds run on Lettuce's threads; {@link #add} and the publication take a small lock, never on the request path.
 */
final class AppKeyBloom implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(AppKeyBloom.class);
    private static final int SCAN_COUNT = 1000;
    /** First retries while there is no filter at all: soon, then less often, at most the rebuild interval. */
    private static final long RETRY_MIN_MILLIS = 500;
    private static final long RETRY_MAX_MILLIS = 30_000;

    private final RedisService redis;
    private final String keyPrefix;
    private final ScanArgs scanArgs;
    private final Object lock = new Object();
    /** Null until the first build completes: every key passes. */
    private volatile BloomFilter<String> filter;
    private volatile MetadataConfig.Bloom config;
    private volatile boolean closed;
    // Guarded by lock.
    private CompletableFuture<Long> building;
    private Set<String> addedDuringBuild;
    /** Completes with the build that runs after the current one: non-null when one was asked for during it. */
    private CompletableFuture<Long> followUp;
    private ScheduledFuture<?> next;
    private int failures;
    /** App keys the last successful SCAN found; -1 before the first. */
    private long lastScanned = -1;
    /** Set when a SCAN found no app keys where the one before found some; cleared when keys are found again. */
    private boolean emptied;

    /** @param keyPrefix what every app key's Redis key starts with, e.g. {@code gw:app:} */
    AppKeyBloom(RedisService redis, String keyPrefix, MetadataConfig.Bloom config) {
        this.redis = redis;
        this.keyPrefix = keyPrefix;
        this.config = config;
        this.scanArgs = ScanArgs.Builder.matches(escapeGlob(keyPrefix) + "*").limit(SCAN_COUNT);
    }

    /** False only if the key is certainly not in Redis; true for every key while there is no filter yet. */
    boolean mightContain(String key) {
        BloomFilter<String> f = filter;
        return f == null || f.mightContain(key);
    }

    /** True once a filter was built. */
    boolean isBuilt() {
        return filter != null;
    }

    /** The key was created elsewhere: let it pass from now on (also through a build that is running now). */
    void add(String key) {
        synchronized (lock) {
            BloomFilter<String> f = filter;
            if (f != null) {
                f.put(key);
            }
            if (addedDuringBuild != null) {
                addedDuringBuild.add(key);
            }
        }
    }

    /** Keys put in the filter (Guava's estimate); 0 with no filter. */
    double approximateKeys() {
        BloomFilter<String> f = filter;
        return f == null ? 0 : f.approximateElementCount();
    }

    /** The filter's false-positive probability at its current fill; 1 with no filter (every key passes). */
    double expectedFpp() {
        BloomFilter<String> f = filter;
        return f == null ? 1 : f.expectedFpp();
    }

    /**
     * Builds a new filter from a SCAN and publishes it; the stage completes with the number of keys scanned, or
     * fails (the current filter, if any, stays). A build that is running is not started twice: a call during one
     * runs another after it (changes it may have missed are then seen) and completes with that one. Never blocks.
     */
    CompletionStage<Long> rebuild() {
        CompletableFuture<Long> done;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedStage(new IllegalStateException("closed"));
            }
            if (building != null) {
                if (followUp == null) {
                    followUp = new CompletableFuture<>();
                }
                return followUp;
            }
            done = new CompletableFuture<>();
            building = done;
            addedDuringBuild = new HashSet<>();
        }
        MetadataConfig.Bloom c = config;
        long started = System.nanoTime();
        BloomFilter<String> fresh;
        try {
            fresh = BloomFilter.create(KeyFunnel.INSTANCE, c.expectedKeys(), c.fpp());
        } catch (RuntimeException | OutOfMemoryError e) {
            finish(done, null, 0, e, started, c);
            return done;
        }
        scan(ScanCursor.INITIAL, fresh, 0, done, started, c);
        return done;
    }

    private void scan(ScanCursor cursor, BloomFilter<String> into, long count, CompletableFuture<Long> done,
            long started, MetadataConfig.Bloom c) {
        if (closed) {
            finish(done, null, 0, new IllegalStateException("closed"), started, c);
            return;
        }
        // On Cluster the cursor Lettuce returns carries which master it is on: it is passed back as it is.
        redis.<KeyScanCursor<String>>call(cmd -> cmd.scan(cursor, scanArgs)).whenComplete((page, t) -> {
            if (t != null) {
                finish(done, null, 0, t, started, c);
                return;
            }
            long n = count;
            for (String redisKey : page.getKeys()) {
                into.put(redisKey.substring(keyPrefix.length()));
                n++;
            }
            if (page.isFinished()) {
                finish(done, into, n, null, started, c);
            } else {
                scan(page, into, n, done, started, c);
            }
        });
    }

    private void finish(CompletableFuture<Long> done, BloomFilter<String> fresh, long keys, Throwable failure,
            long started, MetadataConfig.Bloom c) {
        boolean first = false;
        CompletableFuture<Long> follow;
        int failedBefore;
        int failed;
        long scannedBefore = -1;
        boolean nowEmptied = false;
        boolean refilled = false;
        synchronized (lock) {
            failedBefore = failures;
            if (fresh != null) {
                for (String k : addedDuringBuild) {
                    fresh.put(k);
                }
                first = filter == null;
                filter = fresh;
                failures = 0;
                scannedBefore = lastScanned;
                lastScanned = keys;
                nowEmptied = keys == 0 && scannedBefore > 0;
                refilled = keys > 0 && emptied;
                emptied = keys == 0 && (emptied || nowEmptied);
            } else {
                failures++;
            }
            failed = failures;
            addedDuringBuild = null;
            building = null;
            follow = followUp;
            followUp = null;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        if (failure != null) {
            if (failed == 1) {
                logger.warn("metadata: the Bloom filter of app keys could not be {} from Redis ({}); {}",
                        isBuilt() ? "rebuilt" : "built", failure.toString(), isBuilt()
                                ? "the previous one stays" : "until it is, every key is looked up in Redis");
            } else {
                logger.debug("metadata: Bloom filter build failed again ({})", failure.toString());
            }
        } else {
            if (first || failedBefore > 0) {
                logger.info("metadata: Bloom filter of {} app keys built from a SCAN of {}* in {} ms "
                        + "(expected-keys {}, fpp {})", keys, keyPrefix, millis, c.expectedKeys(), c.fpp());
            } else {
                logger.debug("metadata: Bloom filter of {} app keys rebuilt in {} ms", keys, millis);
            }
            if (nowEmptied) {
                logger.warn("metadata: Redis {} has no app keys under {}* any more (the previous scan found {}): it "
                        + "lost its data (restarted without persistence, flushed, or another database?). Apps are "
                        + "answered 401 unknown_app (cached ones at the latest after refresh-after). Fix: put them "
                        + "back with `apps import <apps.yml> --redis <uri>`, or, if they were restored into Redis "
                        + "another way, POST /admin/apps/_resync", redis.config().target(), keyPrefix, scannedBefore);
            } else if (refilled) {
                logger.info("metadata: {} app keys under {}* in Redis again", keys, keyPrefix);
            }
            if (keys > c.expectedKeys()) {
                logger.warn("metadata: {} app keys in Redis, more than bloom.expected-keys {}: the Bloom filter "
                        + "lets more unknown keys through than fpp {} says; raise expected-keys", keys,
                        c.expectedKeys(), c.fpp());
            }
        }
        if (follow != null) {
            rebuild().whenComplete((n, t) -> {
                if (t != null) {
                    follow.completeExceptionally(t);
                } else {
                    follow.complete(n);
                }
            });
        } else {
            schedule(failure == null ? c.rebuildInterval().toMillis() : retryDelay(failed));
        }
        if (failure != null) {
            done.completeExceptionally(failure);
        } else {
            done.complete(keys);
        }
    }

    private long retryDelay(int failed) {
        long interval = config.rebuildInterval().toMillis();
        if (isBuilt()) {
            return interval;
        }
        long backoff = RETRY_MIN_MILLIS << Math.min(failed - 1, 6);
        return Math.min(interval, Math.min(RETRY_MAX_MILLIS, backoff));
    }

    /** Starts the first build and the periodic rebuilds. */
    CompletionStage<Long> start() {
        return rebuild();
    }

    /** New sizes rebuild the filter at once; a new interval applies from the next build. */
    void settings(MetadataConfig.Bloom next) {
        MetadataConfig.Bloom before = config;
        config = next;
        if (before.expectedKeys() != next.expectedKeys() || before.fpp() != next.fpp()) {
            rebuild();
        } else if (!before.rebuildInterval().equals(next.rebuildInterval())) {
            schedule(next.rebuildInterval().toMillis());
        }
    }

    private void schedule(long delayMillis) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (next != null) {
                next.cancel(false);
            }
            try {
                next = redis.resources().eventExecutorGroup().schedule(this::rebuild, delayMillis,
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                next = null; // Redis is closing
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
        }
    }

    /**
     * Feeds a key to the filter as 16 bytes: a 64-bit hash of its chars (FNV-1a, then MurmurHash3's finalizer),
     * computed without allocating, and the key's length. Guava's Murmur3 then mixes one whole 16-byte block with two
     * long reads, where the key's chars one by one, or 8 bytes, would go through its byte-by-byte tail. The funnel
     * stays small so that the JIT inlines it into Guava's lookup, and the hasher it writes to can be eliminated.
     * Two keys with the same 64-bit hash only make a false positive (a Redis read), never a false negative.
     */
    enum KeyFunnel implements Funnel<String> {
        INSTANCE;

        @Override
        public void funnel(String key, PrimitiveSink into) {
            into.putLong(hash(key)).putLong(key.length());
        }

        static long hash(String key) {
            long h = 0xcbf29ce484222325L;
            for (int i = 0; i < key.length(); i++) {
                h = (h ^ key.charAt(i)) * 0x100000001b3L;
            }
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            h *= 0xc4ceb9fe1a85ec53L;
            return h ^ (h >>> 33);
        }
    }

    /** The prefix as a literal in a SCAN MATCH pattern. */
    static String escapeGlob(String s) {
        StringBuilder b = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') {
                b.append('\\');
            }
            b.append(ch);
        }
        return b.toString();
    }
}
