package dev.gateway.core.redis;

import static dev.gateway.core.redis.RedisTesting.await;
import static dev.gateway.core.redis.RedisTesting.config;
import static dev.gateway.core.redis.RedisTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.RealRedis;
import dev.gateway.core.testing.RedisNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A master, a replica and one Sentinel: when the master dies, the service follows Sentinel to the new master. */
class RedisSentinelTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.sentinel();

    @Test
    void writesToTheNewMasterAfterTheMasterDiesAndSentinelFailsOver() throws Exception {
        try (RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            String key = service.key("failover");
            await(service.<String>call(c -> c.set(key, "before")));
            int oldMaster = redis.sentinelMasterPort();
            assertThat(redis.server().port()).isEqualTo(oldMaster);

            redis.server().kill();
            until(Duration.ofSeconds(5), "redis is down", () -> !service.health().up());
            RedisNode newMaster = redis.failover();
            assertThat(newMaster.port()).isNotEqualTo(oldMaster);
            // Lettuce reconnects through Sentinel, which names the old master until the failover is done.
            int[] n = {0};
            until(Duration.ofSeconds(15), "a write through the service lands on the new master", () -> {
                String value = "after-" + n[0]++;
                return RedisTesting.succeeds(service.call(c -> c.set(key, value)))
                        && value.equals(newMaster.call("GET", key));
            });
            assertThat(await(service.<String>call(c -> c.get(key)))).startsWith("after-");
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
        }
    }
}
