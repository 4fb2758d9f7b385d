package dev.gateway.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The change subscription against a real redis-server: each published key reaches {@code changed}, the resync
 * message reaches {@code resync}, and a subscription that comes back after Redis was killed and restarted calls
 * {@code resync} (once), then delivers again.
 */
class AppChangesTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();

    /** A source that records what it is told. */
    static final class Recording implements MetadataSource {
        final Queue<String> changed = new ConcurrentLinkedQueue<>();
        final AtomicInteger resyncs = new AtomicInteger();

        @Override
        public App cached(String key) {
            return null;
        }

        @Override
        public CompletionStage<App> find(String key) {
            return java.util.concurrent.CompletableFuture.completedStage(null);
        }

        @Override
        public void changed(String key) {
            changed.add(key);
        }

        @Override
        public void resync() {
            resyncs.incrementAndGet();
        }
    }

    static RedisService service() throws InterruptedException {
        return RedisService.start(new RedisConfig(redis.uri(), List.of(), Duration.ofMillis(500),
                Duration.ofSeconds(2), "gw:", RedisConfig.Readiness.DEGRADED), null);
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    static long subscribers() {
        List<?> r = (List<?>) redis.server().call("PUBSUB", "NUMSUB", "gw:apps:changed");
        return (Long) r.get(1);
    }

    @Test
    void handsEveryPublishedKeyToTheSourceAndCountsIt() throws Exception {
        Recording source = new Recording();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisService service = service(); AppChanges changes = AppChanges.start(service, source, meters)) {
            until("the node subscribed", () -> subscribers() == 1);
            AppRecords records = new AppRecords(service);
            records.publish("shop-app").toCompletableFuture().get(5, TimeUnit.SECONDS);
            redis.server().call("PUBLISH", "gw:apps:changed", "other-app");
            redis.server().call("PUBLISH", "gw:apps:unrelated", "third-app");
            until("two keys arrived", () -> source.changed.size() == 2);
            assertThat(source.changed).containsExactly("shop-app", "other-app");
            assertThat(source.resyncs).hasValue(0);
            assertThat(meters.get("gateway.metadata.events").tag("type", "changed").counter().count()).isEqualTo(2);
            assertThat(meters.get("gateway.metadata.events").tag("type", "resync").counter().count()).isZero();
        }
    }

    @Test
    void theResyncMessageResyncsTheSourceAndIsNotTakenForAKey() throws Exception {
        Recording source = new Recording();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisService service = service(); AppChanges changes = AppChanges.start(service, source, meters)) {
            until("the node subscribed", () -> subscribers() == 1);
            assertThat(new AppRecords(service).publishResync().toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isEqualTo(1);
            redis.server().call("PUBLISH", "gw:apps:changed", "*"); // as a script would
            redis.server().call("PUBLISH", "gw:apps:changed", "after-resync");
            until("the key after the resyncs arrived", () -> source.changed.contains("after-resync"));
            assertThat(source.resyncs).hasValue(2);
            assertThat(source.changed).containsExactly("after-resync");
            assertThat(meters.get("gateway.metadata.events").tag("type", "resync").counter().count()).isEqualTo(2);
            assertThat(meters.get("gateway.metadata.events").tag("type", "changed").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void resyncsOnceWhenTheSubscriptionComesBackAfterRedisWasRestarted() throws Exception {
        Recording source = new Recording();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (RedisService service = service(); AppChanges changes = AppChanges.start(service, source, meters)) {
            until("the node subscribed", () -> subscribers() == 1);
            redis.server().restart();
            until("the node resynced", () -> source.resyncs.get() == 1);
            until("the node subscribed again", () -> subscribers() == 1);
            redis.server().call("PUBLISH", "gw:apps:changed", "after-restart");
            until("the key arrived", () -> source.changed.contains("after-restart"));
            assertThat(source.resyncs).hasValue(1);
            assertThat(meters.get("gateway.metadata.events").tag("type", "resync").counter().count()).isEqualTo(1);
        }
    }
}
