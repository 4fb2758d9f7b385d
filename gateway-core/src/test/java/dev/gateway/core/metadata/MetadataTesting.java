package dev.gateway.core.metadata;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.gateway.core.config.App;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RedisNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assertions;

/** Helpers of the Redis metadata tests: configurations, a ticker the test moves, Redis command counts. */
final class MetadataTesting {
    static final Duration REFRESH_AFTER = Duration.ofSeconds(30);
    static final Duration EXPIRE_AFTER = Duration.ofMinutes(10);
    static final Duration NEGATIVE_TTL = Duration.ofSeconds(5);
    static final Duration STALE_IF_ERROR = Duration.ofHours(1);

    private MetadataTesting() {}

    /** A ticker that moves only when the test says. */
    static final class ManualTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long read() {
            return nanos.get();
        }

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }
    }

    static RedisConfig redis(String uri, Duration commandTimeout) {
        return new RedisConfig(uri, List.of(), commandTimeout, Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    static RedisConfig cluster(List<String> seeds) {
        return new RedisConfig(null, seeds, Duration.ofSeconds(2), Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    static MetadataConfig config() {
        return config(1_000_000, 0.001);
    }

    static MetadataConfig config(long expectedKeys, double fpp) {
        return new MetadataConfig(MetadataConfig.Source.REDIS, new MetadataConfig.Cache(10_000, REFRESH_AFTER,
                EXPIRE_AFTER, NEGATIVE_TTL, STALE_IF_ERROR), new MetadataConfig.Bloom(expectedKeys, fpp,
                Duration.ofMinutes(10)));
    }

    /** A metadata source over {@code redis} whose Caffeine runs its upkeep on the calling thread. */
    static RedisMetadata metadata(RedisService redis, MetadataConfig config, ManualTicker ticker) {
        return new RedisMetadata(redis, config, null, ticker, Runnable::run);
    }

    static App app(String key, String secret, String group) {
        return new App(key, List.of(secret.getBytes(StandardCharsets.UTF_8)), true, Set.of("orders"), Set.of(),
                group, "default", List.of());
    }

    /** Stores apps through {@code redis}, the way the admin API and the import write them. */
    static void store(RedisService redis, App... apps) throws Exception {
        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (App a : apps) {
            String json = AppJson.write(a);
            writes.add(redis.<String>call(c -> c.set(redis.key("app", a.key()), json)).toCompletableFuture());
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    }

    /**
     * Finds {@code key} and waits until Caffeine has timed the loaded entry: Caffeine stamps an asynchronously loaded
     * entry's write time in its own callback on the future, which may run after the caller's stage completes; a test
     * that moves the ticker before that would move it under the entry's feet.
     */
    static App load(RedisMetadata apps, String key) throws Exception {
        App app = await(apps.find(key));
        until(Duration.ofSeconds(5), "Caffeine timed the entry of " + key, () -> apps.cache().synchronous().policy()
                .expireAfterWrite().flatMap(p -> p.ageOf(key)).map(age -> !age.isNegative()).orElse(false));
        return app;
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** The stage's failure, unwrapped; an AssertionError if it succeeded or took longer than 5 s. */
    static Throwable failure(CompletionStage<?> stage) throws InterruptedException {
        try {
            Object v = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
                t = t.getCause();
            }
            return t;
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete within 5 s");
        }
    }

    /** Polls every 20 ms until {@code condition} holds; fails naming {@code what} after {@code max}. */
    static void until(Duration max, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                Assertions.fail("timed out after " + max + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** GET commands the server has run since its statistics were last reset ({@code INFO commandstats}). */
    static long gets(RedisNode node) {
        return node.commandCalls("get");
    }

    static void resetStats(RedisNode node) {
        node.call("CONFIG", "RESETSTAT");
    }
}
