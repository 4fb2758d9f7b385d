package dev.gateway.core.metadata;

import static dev.gateway.core.metadata.MetadataTesting.app;
import static dev.gateway.core.metadata.MetadataTesting.await;
import static dev.gateway.core.metadata.MetadataTesting.metadata;
import static dev.gateway.core.metadata.MetadataTesting.store;
import static dev.gateway.core.metadata.MetadataTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.core.testing.RedisNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Bloom filter's SCAN on a three-master Redis Cluster: Lettuce's cluster SCAN walks every master. */
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
        App[] stored = new App[300];
        for (int i = 0; i < stored.length; i++) {
            stored[i] = app("c-" + i, "s", null);
        }
        store(redis, stored);
        redis.call(c -> c.set("gw:other:not-an-app", "x")).toCompletableFuture().get();
        for (RedisNode master : cluster.servers()) {
            @SuppressWarnings("unchecked")
            List<Object> keys = (List<Object>) master.call("KEYS", "gw:app:*");
            assertThat(keys).as("app keys on the master at port " + master.port()).isNotEmpty();
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
}
