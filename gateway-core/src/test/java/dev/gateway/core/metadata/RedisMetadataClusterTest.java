package dev.gateway.core.metadata;

import static dev.gateway.core.metadata.MetadataTesting.app;
import static dev.gateway.core.metadata.MetadataTesting.await;
import static dev.gateway.core.metadata.MetadataTesting.metadata;
import static dev.gateway.core.metadata.MetadataTesting.store;
import static dev.gateway.core.metadata.MetadataTesting.until;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.core.config.App;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.core.testing.RedisNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * App keys on a three-master Redis Cluster: the Bloom filter's SCAN (Lettuce's cluster SCAN) and the admin API's
 * listing by text cursors ({@code ScanPages}) both walk every master.
 */
class RedisMetadataClusterTest {
    @RegisterExtension
    static final RealRedis cluster = RealRedis.cluster();
    static RedisService redis;

    @BeforeAll
    static void connect() throws Exception {
        redis = RedisService.start(MetadataTesting.cluster(cluster.clusterUris()), null);
        until(Duration.ofSeconds(5), "the cluster is up", () -> redis.health().up());
    }

    @AfterAll
    static void close() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void theBloomFilterHoldsTheAppKeysOfEveryMaster() throws Exception {
        App[] stored = storeApps("c-", 300);
        redis.call(c -> c.set("gw:other:not-an-app", "x")).toCompletableFuture().get();
        for (RedisNode master : cluster.servers()) {
            assertThat(appKeysOn(master)).as("app keys on the master at port " + master.port()).isNotEmpty();
        }

        RedisMetadata apps = metadata(redis, MetadataTesting.config(), new MetadataTesting.ManualTicker());
        try {
            assertThat(await(apps.startBloom())).as("keys scanned").isEqualTo(300L);
            for (App a : stored) {
                assertThat(apps.cached(a.key())).isNull();
                assertThat(await(apps.find(a.key())).key()).isEqualTo(a.key());
            }
            for (int i = 0; i < 10_000; i++) {
                assertThat(await(apps.find("unknown-" + i))).isNull();
            }
            assertThat(apps.rejections()).isGreaterThanOrEqualTo(9_995);
        } finally {
            apps.close();
        }
    }

    @Test
    void theListingWalksEveryMasterPageByPageWithTextCursors() throws Exception {
        App[] stored = storeApps("list-", 250);
        try {
            listEveryAppOnce(stored.length);
        } finally {
            // The other test counts the app keys its filter scans: these go.
            String[] keys = Arrays.stream(stored).map(a -> redis.key("app", a.key())).toArray(String[]::new);
            await(redis.call(c -> c.del(keys)));
        }
    }

    private void listEveryAppOnce(int atLeast) throws Exception {
        Set<String> expected = new HashSet<>();
        for (RedisNode master : cluster.servers()) {
            expected.addAll(appKeysOn(master));
        }
        assertThat(expected).hasSizeGreaterThanOrEqualTo(atLeast);

        AppRecords records = new AppRecords(redis);
        List<String> listed = new ArrayList<>();
        Set<String> slots = new HashSet<>();
        String cursor = null;
        for (int pages = 0; pages < 100; pages++) {
            AppRecords.Page page = await(records.list(cursor, 40));
            page.apps().forEach(a -> listed.add(a.key()));
            cursor = page.cursor();
            if (cursor == null) {
                break;
            }
            assertThat(cursor).matches("[0-9]+:[0-9]+");
            slots.add(cursor.substring(0, cursor.indexOf(':')));
        }
        assertThat(cursor).as("the listing ended").isNull();
        assertThat(listed).as("every app once").doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
        assertThat(slots).as("cursors on more than one master").hasSizeGreaterThan(1);

        assertThatThrownBy(() -> await(records.list("12", 40))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is a cluster");
        assertThatThrownBy(() -> await(records.list("99999:0", 40))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no master serves slot 99999");
    }

    /** The app keys (without {@code gw:app:}) stored on {@code master}. */
    private static Set<String> appKeysOn(RedisNode master) {
        Set<String> keys = new HashSet<>();
        for (Object k : (List<?>) master.call("KEYS", "gw:app:*")) {
            keys.add(((String) k).substring("gw:app:".length()));
        }
        return keys;
    }

    /** Stores apps {@code <prefix>0} to {@code <prefix><n-1>} and returns them. */
    private static App[] storeApps(String prefix, int n) throws Exception {
        App[] apps = new App[n];
        for (int i = 0; i < n; i++) {
            apps[i] = app(prefix + i, "s", null);
        }
        store(redis, apps);
        return apps;
    }
}
