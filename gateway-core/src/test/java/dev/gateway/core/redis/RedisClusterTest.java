package dev.gateway.core.redis;

import static dev.gateway.core.redis.RedisTesting.await;
import static dev.gateway.core.redis.RedisTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.RealRedis;
import dev.gateway.core.testing.RedisNode;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A three-master Redis Cluster through the same API as a standalone server. */
class RedisClusterTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.cluster();
    static RedisService service;

    @BeforeAll
    static void connect() throws Exception {
        service = RedisService.start(RedisTesting.cluster(redis.clusterUris()), null);
        until(Duration.ofSeconds(5), "the cluster is up", () -> service.health().up());
    }

    @AfterAll
    static void close() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void spreadsKeysOfDifferentSlotsOverEveryMaster() throws Exception {
        for (int i = 0; i < 30; i++) {
            String key = service.key("spread", Integer.toString(i));
            String value = "v" + i;
            await(service.<String>call(c -> c.set(key, value)));
        }
        for (int i = 0; i < 30; i++) {
            String key = service.key("spread", Integer.toString(i));
            assertThat(await(service.<String>call(c -> c.get(key)))).isEqualTo("v" + i);
        }
        for (RedisNode node : redis.servers()) {
            assertThat((Long) node.call("DBSIZE")).as("keys on the master at port " + node.port()).isPositive();
        }
    }

    @Test
    void runsAScriptOverHashTaggedKeysInOneSlot() throws Exception {
        String a = service.keys().tagged("app:k1", "a");
        String b = service.keys().tagged("app:k1", "b");
        RedisScript both = service.script("redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]);"
                + " return redis.call('EXISTS', KEYS[1], KEYS[2])");
        assertThat(await(both.<Long>run(ScriptOutputType.INTEGER, new String[] {a, b}, "x"))).isEqualTo(2L);
        assertThat(await(service.<Long>call(c -> c.clusterKeyslot(a))))
                .isEqualTo(await(service.<Long>call(c -> c.clusterKeyslot(b))));
        long holders = redis.servers().stream().filter(n -> {
            try {
                return (Long) n.call("EXISTS", a, b) == 2L;
            } catch (RedisNode.ReplyError moved) {
                return false; // MOVED: another master owns the slot
            }
        }).count();
        assertThat(holders).as("one master holds both tagged keys").isEqualTo(1);
    }
}
