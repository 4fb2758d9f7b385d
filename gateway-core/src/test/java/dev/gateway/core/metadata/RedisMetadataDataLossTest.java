package dev.gateway.core.metadata;

import static dev.gateway.core.metadata.MetadataTesting.app;
import static dev.gateway.core.metadata.MetadataTesting.await;
import static dev.gateway.core.metadata.MetadataTesting.gets;
import static dev.gateway.core.metadata.MetadataTesting.load;
import static dev.gateway.core.metadata.MetadataTesting.resetStats;
import static dev.gateway.core.metadata.MetadataTesting.store;
import static dev.gateway.core.metadata.MetadataTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.config.App;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Redis that lost its app records (restarted without persistence, flushed) against a node that had read them: one
 * WARN naming the keyspace and the two fixes, the apps answered unknown as documented (never a stale copy, never
 * 503), and back once they are put back.
 */
class RedisMetadataDataLossTest {
    @RegisterExtension
    static final RealRedis server = RealRedis.standalone();

    final MetadataTesting.ManualTicker ticker = new MetadataTesting.ManualTicker();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();
    final Logger bloomLogger = (Logger) LoggerFactory.getLogger(AppKeyBloom.class);
    RedisService redis;
    RedisMetadata apps;

    @BeforeEach
    void start() throws Exception {
        server.server().call("FLUSHDB");
        redis = RedisService.start(MetadataTesting.redis(server.uri(), Duration.ofMillis(500)), null);
        until(Duration.ofSeconds(5), "redis is up", () -> redis.health().up());
        log.start();
        bloomLogger.addAppender(log);
    }

    @AfterEach
    void stop() {
        bloomLogger.detachAppender(log);
        if (apps != null) {
            apps.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private void started(App... records) throws Exception {
        store(redis, records);
        apps = new RedisMetadata(redis, MetadataTesting.config(), meters, ticker, Runnable::run);
        assertThat(await(apps.startBloom())).as("keys scanned at start").isEqualTo(records.length);
    }

    /** The messages at {@code level} logged by the Bloom filter so far. */
    private List<String> logged(Level level) {
        synchronized (log) { // ListAppender appends under this lock, on Lettuce's threads
            return log.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    private List<String> emptiedWarnings() {
        return logged(Level.WARN).stream().filter(m -> m.contains("has no app keys")).toList();
    }

    private double bloomKeys() {
        return meters.get("gateway.metadata.bloom.keys").gauge().value();
    }

    @Test
    void aRestartThatLostEveryAppIsOneWarnAndTheAppsAreUnknownUntilImportedAgain() throws Exception {
        started(app("shop", "s", "g1"), app("other", "s", "g2"));
        SimpleMeterRegistry events = new SimpleMeterRegistry();
        try (AppChanges changes = AppChanges.start(redis, apps, events)) {
            until(Duration.ofSeconds(10), "the node subscribed", () -> subscribers() == 1);
            assertThat(load(apps, "shop").group()).isEqualTo("g1");

            server.server().restart(); // RealRedis persists nothing: Redis comes back empty
            until(Duration.ofSeconds(10), "the node resynced after the reconnect", () -> events
                    .get("gateway.metadata.events").tag("type", "resync").counter().count() == 1);
            // The resync's own rebuild may have run before the command connection was back: rebuild until one ran.
            until(Duration.ofSeconds(10), "a Bloom build over the restarted Redis", () -> {
                try {
                    return await(apps.rebuildBloom()) == 0;
                } catch (Exception e) {
                    return false;
                }
            });

            List<String> warned = emptiedWarnings();
            assertThat(warned).as("WARN lines about the emptied keyspace").hasSize(1);
            assertThat(warned.get(0)).contains("Redis " + server.uri() + " has no app keys under gw:app:*",
                    "the previous scan found 2", "apps import", "POST /admin/apps/_resync");
            assertThat(bloomKeys()).isZero();
            assertThat(apps.cached("shop")).as("checked before the resync: not served from memory").isNull();
            assertThat(await(apps.find("shop"))).as("unknown (401), not the last good copy nor a 503").isNull();
            assertThat(await(apps.find("other"))).isNull();

            // The fix, as `apps import` does it: each record written and its key published.
            AppRecords records = new AppRecords(redis);
            for (App a : List.of(app("shop", "s", "g1"), app("other", "s", "g2"))) {
                records.put(a).toCompletableFuture().get(5, TimeUnit.SECONDS);
                records.publish(a.key()).toCompletableFuture().get(5, TimeUnit.SECONDS);
            }
            until(Duration.ofSeconds(10), "the imported apps are served", () -> found("shop") && found("other"));
            assertThat(await(apps.rebuildBloom())).isEqualTo(2);
            assertThat(logged(Level.INFO)).anySatisfy(m -> assertThat(m).contains("2 app keys under gw:app:* in "
                    + "Redis again"));
            assertThat(emptiedWarnings()).as("still one WARN").hasSize(1);
        }
    }

    @Test
    void aFlushedKeyspaceIsOneWarnAtTheNextRebuildAndACachedAppLastsUntilItsRefresh() throws Exception {
        started(app("kept", "s", "g1"), app("cold", "s", "g2"));
        App kept = load(apps, "kept");

        server.server().call("FLUSHDB");
        assertThat(await(apps.rebuildBloom())).as("the periodic rebuild").isZero();
        assertThat(await(apps.rebuildBloom())).as("and the next one").isZero();

        assertThat(emptiedWarnings()).as("one WARN, not one per rebuild").hasSize(1);
        assertThat(emptiedWarnings().get(0)).contains("gw:app:*", "the previous scan found 2");
        resetStats(server.server());
        assertThat(apps.cached("kept")).as("cached: served until its refresh-after").isSameAs(kept);
        assertThat(await(apps.find("cold"))).as("uncached: unknown").isNull();
        assertThat(gets(server.server())).as("the empty filter answered, not Redis").isZero();

        ticker.advance(MetadataTesting.REFRESH_AFTER.plusSeconds(1));
        apps.cached("kept"); // the read that starts the background refresh
        until(Duration.ofSeconds(5), "the refresh read the emptied record", () -> apps.cached("kept") == null);
        assertThat(await(apps.find("kept"))).as("unknown, not the last good copy").isNull();

        // The other fix: records restored into Redis without change messages, then a resync (POST _resync).
        store(redis, app("kept", "s", "g1"), app("cold", "s", "g2"));
        apps.resync();
        until(Duration.ofSeconds(5), "the restored apps are served", () -> found("kept") && found("cold"));
        assertThat(emptiedWarnings()).hasSize(1);
    }

    private boolean found(String key) {
        try {
            return await(apps.find(key)) != null;
        } catch (Exception e) {
            return false;
        }
    }

    private long subscribers() {
        List<?> r = (List<?>) server.server().call("PUBSUB", "NUMSUB", "gw:apps:changed");
        return (Long) r.get(1);
    }
}
