package dev.gateway.core.metadata;

import static dev.gateway.core.metadata.MetadataTesting.app;
import static dev.gateway.core.metadata.MetadataTesting.await;
import static dev.gateway.core.metadata.MetadataTesting.failure;
import static dev.gateway.core.metadata.MetadataTesting.load;
import static dev.gateway.core.metadata.MetadataTesting.metadata;
import static dev.gateway.core.metadata.MetadataTesting.store;
import static dev.gateway.core.metadata.MetadataTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayException;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read path while Redis is killed and started again (on the same port, empty): known apps keep answering within
 * stale-if-error, keys never seen fail as unavailable (never "unknown"), and everything recovers by itself.
 */
class RedisMetadataFaultsTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis server = RealRedis.standalone();
    static RedisService redis;

    final MetadataTesting.ManualTicker ticker = new MetadataTesting.ManualTicker();
    RedisMetadata apps;
    /** What Caffeine logs (through System.Logger, to java.util.logging): it must stay quiet during an outage. */
    final List<LogRecord> caffeineLog = new CopyOnWriteArrayList<>();
    final Handler caffeineHandler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            caffeineLog.add(r);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    static final java.util.logging.Logger CAFFEINE = java.util.logging.Logger.getLogger("com.github.benmanes.caffeine");

    @BeforeAll
    static void connect() throws Exception {
        redis = RedisService.start(MetadataTesting.redis(server.uri(), Duration.ofMillis(250)), null);
    }

    @AfterAll
    static void close() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void redisIsUp() {
        until(BOUND, "redis is up", () -> redis.health().up());
        CAFFEINE.addHandler(caffeineHandler);
    }

    @AfterEach
    void restart() {
        CAFFEINE.removeHandler(caffeineHandler);
        assertThat(caffeineLog).as("Caffeine's log: failed Redis reads are not logged once per lookup").isEmpty();
        if (apps != null) {
            apps.close();
        }
        if (!server.server().isAlive()) {
            server.server().start();
        }
    }

    private boolean isStale(String key) {
        CompletableFuture<RedisMetadata.Entry> f = apps.cache().asMap().get(key);
        return f != null && f.isDone() && f.getNow(null).stale();
    }

    private static void assertUnavailable(Throwable t) {
        assertThat(t).isInstanceOf(GatewayException.class);
        assertThat(((GatewayException) t).error()).isEqualTo(GatewayErrors.METADATA_UNAVAILABLE);
    }

    @Test
    void servesKnownAppsWhileRedisIsDownAndRecoversWhenItReturns() throws Exception {
        store(redis, app("known", "s", "before"), app("unseen", "s", null));
        apps = metadata(redis, MetadataTesting.config(), ticker);
        await(apps.startBloom());
        App known = load(apps, "known");

        server.server().kill();
        assertThat(apps.cached("known")).isSameAs(known);
        ticker.advance(MetadataTesting.REFRESH_AFTER.plusSeconds(1));
        assertThat(apps.cached("known")).as("past refresh-after, while the reload fails").isSameAs(known);
        until(BOUND, "the failed reload kept the entry, marked stale", () -> isStale("known"));
        ticker.advance(MetadataTesting.EXPIRE_AFTER);
        assertThat(await(apps.find("known"))).as("past expire-after, within stale-if-error").isSameAs(known);
        assertThat(apps.cached("known")).as("then from memory again").isSameAs(known);

        assertUnavailable(failure(apps.find("unseen")));
        assertThat(await(apps.find("forged-key"))).as("the Bloom filter still answers").isNull();

        ticker.advance(MetadataTesting.STALE_IF_ERROR);
        assertThat(apps.cached("known")).as("past stale-if-error").isNull();
        assertUnavailable(failure(apps.find("known")));

        server.server().start();
        until(BOUND, "redis is up again", () -> redis.health().up());
        store(redis, app("known", "s", "after"), app("unseen", "s", null));
        until(BOUND, "a key never seen is read", () -> found("unseen") != null);
        assertThat(await(apps.find("known")).group()).isEqualTo("after");
    }

    @Test
    void anEntryPastExpireAfterIsServedWhenReadingItAgainFails() throws Exception {
        store(redis, app("quiet", "s", null));
        apps = metadata(redis, MetadataTesting.config(), ticker);
        await(apps.startBloom());
        App quiet = load(apps, "quiet");

        server.server().kill();
        ticker.advance(MetadataTesting.EXPIRE_AFTER.plusSeconds(1)); // not looked up since it was loaded
        assertThat(await(apps.find("quiet"))).as("the read failed: the old entry").isSameAs(quiet);
        assertThat(isStale("quiet")).isTrue();
        assertThat(apps.cached("quiet")).as("now served from memory until Redis answers").isSameAs(quiet);
    }

    @Test
    void aChangedAppIsNotServedAsAFallback() throws Exception {
        store(redis, app("deleted", "s", null));
        apps = metadata(redis, MetadataTesting.config(), ticker);
        await(apps.startBloom());
        await(apps.find("deleted"));
        apps.changed("deleted"); // say, deleted through another node's admin API

        server.server().kill();
        assertThat(apps.cached("deleted")).isNull();
        assertUnavailable(failure(apps.find("deleted")));
    }

    @Test
    void neverAnswersUnknownBeforeTheBloomFilterIsBuilt() throws Exception {
        server.server().kill();
        apps = metadata(redis, MetadataTesting.config(), ticker);
        assertThat(failure(apps.startBloom())).isNotNull();
        assertThat(apps.bloomBuilt()).isFalse();
        assertUnavailable(failure(apps.find("any-key")));

        server.server().start();
        until(BOUND, "redis is up again", () -> redis.health().up());
        store(redis, app("arrived", "s", null));
        until(BOUND, "the Bloom filter is built", () -> apps.bloomBuilt());
        assertThat(await(apps.find("any-key"))).isNull();
        assertThat(apps.rejections()).isEqualTo(1);
        assertThat(await(apps.find("arrived")).key()).isEqualTo("arrived");
    }

    private App found(String key) {
        try {
            return await(apps.find(key));
        } catch (Exception e) {
            return null;
        }
    }
}
