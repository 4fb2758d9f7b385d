package dev.gateway.core.metadata;

import static dev.gateway.core.metadata.MetadataTesting.app;
import static dev.gateway.core.metadata.MetadataTesting.await;
import static dev.gateway.core.metadata.MetadataTesting.gets;
import static dev.gateway.core.metadata.MetadataTesting.load;
import static dev.gateway.core.metadata.MetadataTesting.metadata;
import static dev.gateway.core.metadata.MetadataTesting.resetStats;
import static dev.gateway.core.metadata.MetadataTesting.store;
import static dev.gateway.core.metadata.MetadataTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.config.App;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** The read path over a healthy standalone redis-server: Bloom filter, cache, one GET per miss, bad records. */
class RedisMetadataTest {
    @RegisterExtension
    static final RealRedis server = RealRedis.standalone();
    static RedisService redis;

    final MetadataTesting.ManualTicker ticker = new MetadataTesting.ManualTicker();
    RedisMetadata apps;

    @BeforeAll
    static void connect() throws Exception {
        // A long command timeout: the stampede test holds a GET back with CLIENT PAUSE.
        redis = RedisService.start(MetadataTesting.redis(server.uri(), Duration.ofSeconds(5)), null);
        until(Duration.ofSeconds(5), "redis is up", () -> redis.health().up());
    }

    @AfterAll
    static void close() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void stop() {
        if (apps != null) {
            apps.close();
        }
    }

    private RedisMetadata started(MetadataConfig config) throws Exception {
        apps = metadata(redis, config, ticker);
        await(apps.startBloom());
        return apps;
    }

    @Test
    void randomUnknownKeysMakeAlmostNoRedisReads() throws Exception {
        App[] known = new App[1000];
        for (int i = 0; i < known.length; i++) {
            known[i] = app("pen-" + i, "s" + i, null);
        }
        store(redis, known);
        started(MetadataTesting.config());
        resetStats(server.server());

        SplittableRandom random = new SplittableRandom(42);
        List<CompletableFuture<App>> answers = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            String key = "forged-" + Long.toHexString(random.nextLong());
            answers.add(apps.find(key).toCompletableFuture());
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertThat(answers).allSatisfy(a -> assertThat(a.getNow(null)).isNull());
        assertThat(gets(server.server())).as("Redis GETs for 100,000 unknown keys").isLessThanOrEqualTo(5);
        assertThat(apps.rejections()).isGreaterThanOrEqualTo(99_995);
        assertThat(await(apps.find("pen-7")).key()).as("a known key still passes").isEqualTo("pen-7");
    }

    @Test
    void concurrentMissesForOneKeyMakeOneRedisRead() throws Exception {
        store(redis, app("cold", "s", "g1"));
        started(MetadataTesting.config());
        resetStats(server.server());
        // Redis holds every command for a moment, so all the lookups below arrive while the first GET is pending.
        server.server().call("CLIENT", "PAUSE", "1000", "ALL");
        ExecutorService threads = Executors.newFixedThreadPool(8);
        List<CompletableFuture<App>> answers = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<java.util.concurrent.Future<List<CompletableFuture<App>>>> batches = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                batches.add(threads.submit(() -> {
                    go.await();
                    List<CompletableFuture<App>> mine = new ArrayList<>();
                    for (int i = 0; i < 125; i++) {
                        mine.add(apps.find("cold").toCompletableFuture());
                    }
                    return mine;
                }));
            }
            go.countDown();
            for (var b : batches) {
                answers.addAll(b.get(5, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(answers).hasSize(1000);
        assertThat(answers.stream().filter(CompletableFuture::isDone).count())
                .as("lookups answered before Redis did").isZero();
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(answers).allSatisfy(a -> assertThat(a.getNow(null).group()).isEqualTo("g1"));
        assertThat(gets(server.server())).isEqualTo(1);
    }

    @Test
    void aHitIsServedFromMemoryWithoutAStage() throws Exception {
        store(redis, app("hit", "s", "g1"));
        started(MetadataTesting.config());
        assertThat(apps.cached("hit")).as("not loaded yet").isNull();
        App loaded = await(apps.find("hit"));
        resetStats(server.server());
        assertThat(apps.cached("hit")).isSameAs(loaded);
        assertThat(await(apps.find("hit"))).isSameAs(loaded);
        assertThat(gets(server.server())).isZero();
    }

    @Test
    void anEntryPastRefreshAgeIsServedAtOnceAndUpdatedInTheBackground() throws Exception {
        store(redis, app("swr", "s", "old-group"));
        started(MetadataTesting.config());
        App old = load(apps, "swr");
        store(redis, app("swr", "s", "new-group"));
        resetStats(server.server());

        ticker.advance(MetadataTesting.REFRESH_AFTER.plusSeconds(1));
        // Redis holds the reload's GET for a moment: the lookup cannot have waited for it.
        server.server().call("CLIENT", "PAUSE", "300", "ALL");
        assertThat(apps.cached("swr")).as("the stale entry, served at once").isSameAs(old);
        assertThat(apps.cached("swr")).as("still, while the one reload runs").isSameAs(old);
        until(Duration.ofSeconds(5), "the background reload replaced the entry",
                () -> apps.cached("swr") != null && "new-group".equals(apps.cached("swr").group()));
        assertThat(gets(server.server())).as("one background GET").isEqualTo(1);
    }

    @Test
    void anEntryPastExpireAfterIsReadAgainBeforeItIsServed() throws Exception {
        store(redis, app("hard", "s", "old-group"));
        started(MetadataTesting.config());
        load(apps, "hard");
        store(redis, app("hard", "s", "new-group"));

        ticker.advance(MetadataTesting.EXPIRE_AFTER.plusSeconds(1));
        server.server().call("CLIENT", "PAUSE", "200", "ALL"); // the re-read cannot be done yet below
        assertThat(apps.cached("hard")).isNull();
        assertThat(await(apps.find("hard")).group()).isEqualTo("new-group");
        assertThat(apps.cached("hard").group()).isEqualTo("new-group");
    }

    @Test
    void aKeyRedisDoesNotHaveIsRememberedAsAbsentForTheNegativeTtl() throws Exception {
        started(MetadataTesting.config());
        apps.changed("later"); // passes the Bloom filter, as a key created and deleted again would
        resetStats(server.server());
        assertThat(await(apps.find("later"))).isNull();
        assertThat(await(apps.find("later"))).isNull();
        assertThat(gets(server.server())).isEqualTo(1);

        store(redis, app("later", "s", null));
        ticker.advance(MetadataTesting.NEGATIVE_TTL.plusSeconds(1));
        assertThat(await(apps.find("later")).key()).isEqualTo("later");
        assertThat(gets(server.server())).isEqualTo(2);
    }

    @Test
    void aChangedKeyPassesTheBloomFilterAndItsEntryIsReadAgain() throws Exception {
        store(redis, app("chg", "s", "before"));
        started(MetadataTesting.config());
        assertThat(await(apps.find("chg")).group()).isEqualTo("before");

        store(redis, app("chg", "s", "after"), app("created-later", "s", null));
        assertThat(await(apps.find("created-later"))).as("not in the filter yet").isNull();
        apps.changed("chg");
        apps.changed("created-later");
        assertThat(await(apps.find("chg")).group()).isEqualTo("after");
        assertThat(await(apps.find("created-later")).key()).isEqualTo("created-later");
    }

    @Test
    void resyncRebuildsTheBloomFilterAndReadsEveryEntryAgain() throws Exception {
        store(redis, app("rs-1", "s", "before"));
        started(MetadataTesting.config());
        assertThat(await(apps.find("rs-1")).group()).isEqualTo("before");
        store(redis, app("rs-1", "s", "after"), app("rs-2", "s", null)); // messages this node missed
        assertThat(await(apps.find("rs-2"))).isNull();

        apps.resync();
        assertThat(apps.cached("rs-1")).as("checked before the resync: read again first").isNull();
        assertThat(await(apps.find("rs-1")).group()).isEqualTo("after");
        until(Duration.ofSeconds(5), "the rebuilt filter has rs-2", () -> {
            try {
                return await(apps.find("rs-2")) != null;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void aMalformedRecordIsUnknownAndLoggedOncePerValue() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger logger = (Logger) LoggerFactory.getLogger(RedisMetadata.class);
        logger.addAppender(log);
        try {
            store(redis, app("good", "s", null));
            redis.call(c -> c.set("gw:app:bad", "{\"key\":\"bad\",\"secrets\":[],\"colour\":1}")).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            started(MetadataTesting.config());
            for (int i = 0; i < 3; i++) {
                assertThat(await(apps.find("bad"))).isNull();
                ticker.advance(MetadataTesting.NEGATIVE_TTL.plusSeconds(1)); // read again each time
            }
            assertThat(await(apps.find("good")).key()).isEqualTo("good");
            redis.call(c -> c.set("gw:app:bad", "not json")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(await(apps.find("bad"))).isNull();

            List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertThat(warnings).hasSize(2);
            assertThat(warnings.get(0)).contains("gw:app:bad", "colour: unknown field",
                    "secrets: at least one secret is required");
            assertThat(warnings.get(1)).contains("gw:app:bad", "body: not JSON").doesNotContain("not json", "'not'");
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void newSettingsResizeTheCacheAndChangeItsAges() throws Exception {
        started(MetadataTesting.config());
        MetadataConfig c = MetadataTesting.config();
        apps.settings(new MetadataConfig(c.source(), new MetadataConfig.Cache(7, Duration.ofSeconds(3),
                Duration.ofSeconds(9), Duration.ofSeconds(1), Duration.ofMinutes(2)), c.bloom()));
        var policy = apps.cache().synchronous().policy();
        assertThat(policy.eviction().orElseThrow().getMaximum()).isEqualTo(7);
        assertThat(policy.refreshAfterWrite().orElseThrow().getRefreshesAfter()).isEqualTo(Duration.ofSeconds(3));

        store(redis, app("aged", "s", null));
        apps.changed("aged");
        load(apps, "aged");
        ticker.advance(Duration.ofSeconds(10));
        assertThat(apps.cached("aged")).as("past the new expire-after").isNull();
    }

    @Test
    void exportsCacheAndBloomMeters() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        store(redis, app("m-1", "s", null));
        apps = new RedisMetadata(redis, MetadataTesting.config(), registry, ticker, Runnable::run);
        await(apps.startBloom());
        await(apps.find("m-1"));
        apps.cached("m-1");
        apps.find("certainly-not-there");

        assertThat(registry.get("cache.gets").tag("cache", "apps").tag("result", "hit").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get("cache.gets").tag("cache", "apps").tag("result", "miss").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.get("gateway.metadata.bloom.rejections").functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("gateway.metadata.bloom.keys").gauge().value()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("gateway.metadata.bloom.fpp").gauge().value()).isBetween(0.0, 0.001);
    }
}
