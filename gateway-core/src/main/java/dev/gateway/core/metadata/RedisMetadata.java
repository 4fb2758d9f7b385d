package dev.gateway.core.metadata;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.gateway.core.config.App;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayException;
import dev.gateway.core.redis.RedisService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Apps stored in Redis ({@code metadata.source: redis}), read through a Bloom filter and a local cache. An app is a
 * Redis string at {@code <key-prefix>app:<key>} (e.g. {@code gw:app:shop-app}) holding {@link AppJson#write}.
 *
 * <p><b>Read path.</b> {@link #cached} is the hot path: one Caffeine read, no allocation, no stage, no clock read
 * for a fresh entry (MetadataLookupBenchmark). On a miss, {@link #find} asks the Bloom filter ({@link AppKeyBloom}):
 * a key it rejects is answered "no such app" at once, with no Redis read. A key it lets through is loaded by the
 * cache's asynchronous loader with one GET; concurrent misses for one key share that one GET. A key Redis does not
 * have (or whose record is malformed, logged once per key and value) is remembered as absent for
 * {@code negative-ttl}. The cache comes before the filter because a hit proves the key exists; a key the filter
 * rejects is never cached, so it never reaches Redis either way.
 *
 * <p><b>Ages.</b> An entry older than {@code refresh-after} is still served while one background GET refreshes it
 * (stale-while-revalidate); {@code expire-after} after it was written it leaves the cache. The last app Redis gave
 * for each key is also kept aside for the longer of expire-after and {@code stale-if-error}: when Redis fails (down,
 * or slower than the command timeout), a load or refresh falls back to it, marked stale, so an app is served up to
 * stale-if-error after Redis last gave it. A key never seen fails with {@link GatewayException}
 * {@code metadata_unavailable} (503), never a false "unknown". No caller waits longer than Redis's command timeout,
 * and recovery needs nothing but Redis answering again.
 *
 * <p><b>Redis emptied.</b> Redis is the source of truth: a keyspace that lost its records (a restart without
 * persistence, a FLUSHDB) reads exactly as every app deleted, and is served so, never from the last good copy (which
 * only stands in while Redis fails). An app never cached, or checked before a resync (the one that follows a
 * reconnect), is answered unknown at its next lookup; a cached one once the refresh that follows refresh-after has
 * read Redis. The next Bloom build answers every uncached key without a read, and says so once ({@link AppKeyBloom}).
 * Putting the records back with change messages ({@code apps import}) or a resync brings them back at once.
 *
 * <p><b>Threads.</b> {@link #cached} and {@link #find} are called on event loops and never block; the stages complete
 * on Lettuce's threads. {@link #changed}, {@link #resync} and {@link #settings} are called off the event loops.
 */
public final class RedisMetadata implements MetadataSource, AutoCloseable {
    private static final CompletionStage<App> NONE = CompletableFuture.completedStage(null);

    private final RedisService redis;
    /** {@code <key-prefix>app:}. */
    private final String keyPrefix;
    private final Ticker ticker;
    private final AppKeyBloom bloom;
    private final AsyncLoadingCache<String, Entry> cache;
    private final BadRecords badRecords = new BadRecords();
    /**
     * The last app Redis gave for each key, kept up to stale-if-error: what a load that fails falls back to once
     * the cache's own entry has expired.
     */
    private final Cache<String, Entry> lastGood;
    private final LongAdder rejected = new LongAdder();
    private volatile Ages ages;
    /** Bumped by {@link #resync}: entries checked before it are read again before they are served. */
    private volatile int generation;

    /**
     * A cached answer: the app, or null (Redis has no such key, or its record is malformed); when Redis last
     * answered for it (ticker nanos); whether it is kept only because Redis failed since; and the resync generation it
     * was last checked in.
     */
    record Entry(App app, long loadedAt, boolean stale, int generation) {}

    /** The cache's ages in nanos; {@code servedAtMost} is the longest an app is served, stale or not. */
    private record Ages(long negativeTtl, long servedAtMost) {
        static Ages of(MetadataConfig.Cache c) {
            return new Ages(c.negativeTtl().toNanos(), RedisMetadata.servedAtMost(c).toNanos());
        }
    }

    private static Duration servedAtMost(MetadataConfig.Cache c) {
        return c.staleIfError().compareTo(c.expireAfter()) > 0 ? c.staleIfError() : c.expireAfter();
    }

    RedisMetadata(RedisService redis, MetadataConfig config, MeterRegistry registry, Ticker ticker,
            Executor executor) {
        this.redis = redis;
        this.keyPrefix = redis.keys().key("app", "");
        this.ticker = ticker;
        this.ages = Ages.of(config.cache());
        this.bloom = new AppKeyBloom(redis, keyPrefix, config.bloom());
        MetadataConfig.Cache c = config.cache();
        // A fixed expire-after-write, not a per-entry Expiry: a hit then costs Caffeine's read and nothing else
        // (variable expiry and a clock read per hit halved the hit rate in MetadataLookupBenchmark).
        this.cache = Caffeine.newBuilder()
                .maximumSize(c.maxSize())
                .refreshAfterWrite(c.refreshAfter())
                .expireAfterWrite(c.expireAfter())
                .ticker(ticker)
                .executor(executor)
                .recordStats()
                .buildAsync(new Loader());
        this.lastGood = Caffeine.newBuilder()
                .maximumSize(c.maxSize())
                .expireAfterWrite(servedAtMost(c))
                .ticker(ticker)
                .executor(executor)
                .build();
        if (registry != null) {
            CaffeineCacheMetrics.monitor(registry, cache, "apps");
            FunctionCounter.builder("gateway.metadata.bloom.rejections", rejected, LongAdder::sum)
                    .description("App keys the Bloom filter answered unknown without a Redis read")
                    .register(registry);
            Gauge.builder("gateway.metadata.bloom.keys", bloom, AppKeyBloom::approximateKeys)
                    .description("App keys in the Bloom filter (estimate; 0 before the first build)")
                    .register(registry);
            Gauge.builder("gateway.metadata.bloom.fpp", bloom, AppKeyBloom::expectedFpp)
                    .description("The Bloom filter's false-positive probability at its fill (1 before the first "
                            + "build: every key passes)")
                    .register(registry);
        }
    }

    /**
     * Builds the source and starts the first Bloom filter build, waiting for it at most {@code wait} (on the main
     * thread at start-up); a build that takes longer, or a Redis that is down, finishes in the background.
     *
     * @param registry where the cache and Bloom meters go, or null when metrics are off
     */
    public static RedisMetadata start(RedisService redis, MetadataConfig config, MeterRegistry registry,
            Duration wait) throws InterruptedException {
        RedisMetadata m = new RedisMetadata(redis, config, registry, Ticker.systemTicker(), ForkJoinPool.commonPool());
        try {
            m.bloom.start().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // logged by the filter; it keeps trying
        }
        return m;
    }

    /** Starts the first Bloom filter build without waiting (tests). */
    CompletionStage<Long> startBloom() {
        return bloom.start();
    }

    @Override
    public App cached(String key) {
        CompletableFuture<Entry> f = cache.getIfPresent(key);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        Entry e = f.getNow(null);
        return e.app != null && servable(e) ? e.app : null;
    }

    /**
     * May {@code e} (an app in the cache, so younger than expire-after since it was written) be served without
     * reading Redis first? Not if it was checked before a resync; a stale one only within stale-if-error.
     */
    private boolean servable(Entry e) {
        return e.generation == generation && (!e.stale || ticker.read() - e.loadedAt <= ages.servedAtMost);
    }

    @Override
    public CompletionStage<App> find(String key) {
        if (!bloom.mightContain(key)) {
            rejected.increment();
            return NONE;
        }
        return read(key);
    }

    /**
     * A key the Bloom filter let through: from the cache, or one Redis read however many ask. Apart from
     * {@link #find} so that find compiles small and the JIT inlines the rejection into its callers.
     */
    private CompletionStage<App> read(String key) {
        CompletableFuture<Entry> f = cache.get(key);
        if (f.isDone() && !f.isCompletedExceptionally()) {
            Entry e = f.getNow(null);
            if (e.app == null ? e.generation == generation && ticker.read() - e.loadedAt <= ages.negativeTtl
                    : servable(e)) {
                return e.app == null ? NONE : CompletableFuture.completedStage(e.app);
            }
            // Checked before a resync, an absent key past negative-ttl, or stale past stale-if-error: read it
            // now (one read however many ask); the reload falls back to the old app if Redis fails, while allowed.
            f = cache.synchronous().refresh(key);
        }
        return f.handle(RedisMetadata::answer);
    }

    private static App answer(Entry e, Throwable t) {
        if (t != null) {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            throw new CompletionException(new GatewayException(GatewayErrors.METADATA_UNAVAILABLE,
                    cause instanceof NoAnswer && cause.getCause() != null ? cause.getCause() : cause));
        }
        return e.app;
    }

    /** Ignored: with {@code source: redis} the apps come from Redis, not from the files. */
    @Override
    public void configLoaded(java.util.List<App> apps) {}

    /**
     * The {@code metadata:} section of a newly loaded configuration: the cache's size and ages apply at once, new
     * Bloom sizes rebuild the filter, a new rebuild interval applies from the next build. Off the event loops.
     */
    @Override
    public void settings(MetadataConfig config) {
        MetadataConfig.Cache c = config.cache();
        ages = Ages.of(c);
        Policy<String, Entry> p = cache.synchronous().policy();
        p.eviction().ifPresent(e -> e.setMaximum(c.maxSize()));
        p.refreshAfterWrite().ifPresent(r -> r.setRefreshesAfter(c.refreshAfter()));
        p.expireAfterWrite().ifPresent(x -> x.setExpiresAfter(c.expireAfter()));
        Policy<String, Entry> last = lastGood.policy();
        last.eviction().ifPresent(e -> e.setMaximum(c.maxSize()));
        last.expireAfterWrite().ifPresent(x -> x.setExpiresAfter(servedAtMost(c)));
        bloom.settings(config.bloom());
    }

    /** The app was created, changed or deleted: its key passes the Bloom filter, and its cached entry is dropped. */
    @Override
    public void changed(String key) {
        bloom.add(key);
        cache.synchronous().invalidate(key);
        lastGood.invalidate(key); // a deleted app must not come back as a fallback
    }

    /**
     * Change messages may have been missed: the Bloom filter is rebuilt, and every cached entry is read again before
     * it is next served (lazily, on its next lookup: no burst of reads; a read that fails still serves the entry
     * within stale-if-error).
     */
    @Override
    public void resync() {
        generation++;
        bloom.rebuild();
    }

    /** Rebuilds the Bloom filter now (tests). */
    CompletionStage<Long> rebuildBloom() {
        return bloom.rebuild();
    }

    boolean bloomBuilt() {
        return bloom.isBuilt();
    }

    /** Keys the Bloom filter answered unknown. */
    long rejections() {
        return rejected.sum();
    }

    AsyncLoadingCache<String, Entry> cache() {
        return cache;
    }

    /** Stops the periodic Bloom rebuilds. The Redis connection is not this source's to close. */
    @Override
    public void close() {
        bloom.close();
    }

    private Entry entry(String key, String json) {
        App app = null;
        if (json != null) {
            AppJson.Read read = AppJson.read(json, key);
            if (read.ok()) {
                app = read.app();
            } else {
                badRecords.report(keyPrefix + key, json, read.problems());
            }
        }
        Entry e = new Entry(app, ticker.read(), false, generation);
        if (app != null) {
            lastGood.put(key, e);
        } else {
            lastGood.invalidate(key);
        }
        return e;
    }

    private CompletableFuture<String> get(String key) {
        return redis.<String>call(c -> c.get(keyPrefix + key)).toCompletableFuture();
    }

    /** Loads with one GET; a load or refresh that fails falls back to the last good app, marked stale, if allowed. */
    private final class Loader implements AsyncCacheLoader<String, Entry> {
        @Override
        public CompletableFuture<Entry> asyncLoad(String key, Executor executor) {
            CompletableFuture<Entry> loaded = new CompletableFuture<>();
            get(key).whenComplete((json, t) -> {
                Entry fallback;
                if (t == null) {
                    complete(loaded, () -> entry(key, json));
                } else if ((fallback = stale(lastGood.getIfPresent(key))) != null) {
                    loaded.complete(fallback);
                } else {
                    loaded.completeExceptionally(new NoAnswer(t)); // unwrapped: Caffeine only skips logging it so
                }
            });
            return loaded;
        }

        /** {@code old} marked stale if it may still be served while Redis fails; else null. */
        private Entry stale(Entry old) {
            if (old == null || old.app == null || ticker.read() - old.loadedAt > ages.servedAtMost) {
                return null;
            }
            return new Entry(old.app, old.loadedAt, true, generation);
        }

        @Override
        public CompletableFuture<Entry> asyncReload(String key, Entry old, Executor executor) {
            CompletableFuture<Entry> reloaded = new CompletableFuture<>();
            get(key).whenComplete((json, t) -> {
                if (t == null) {
                    complete(reloaded, () -> entry(key, json));
                    return;
                }
                Entry fallback = stale(old);
                if (fallback == null) {
                    fallback = stale(lastGood.getIfPresent(key)); // old is a negative entry, or too old
                }
                if (fallback != null) {
                    reloaded.complete(fallback);
                } else {
                    reloaded.completeExceptionally(new NoAnswer(t));
                }
            });
            return reloaded;
        }

        private static void complete(CompletableFuture<Entry> f, java.util.function.Supplier<Entry> value) {
            try {
                f.complete(value.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        }
    }

    /**
     * Redis gave no answer. A {@link TimeoutException} because Caffeine logs every other failed load at WARN with
     * its stack trace (it checks the failure as given, so it must not be wrapped), which during an outage would be
     * one log line per lookup; Redis's own health logging says it is down once. Carries no stack trace.
     */
    static final class NoAnswer extends TimeoutException {
        NoAnswer(Throwable cause) {
            super("redis did not answer: " + cause);
            initCause(cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
