package dev.gateway.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis replay store against a real redis-server: SET NX PX, shared by two services, failing when Redis is gone. */
class RedisReplayStoreTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static RedisService one;
    static RedisService two;

    @BeforeAll
    static void connect() throws Exception {
        one = RedisService.start(config(), null);
        two = RedisService.start(config(), null);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    static RedisConfig config() {
        return new RedisConfig(redis.uri(), List.of(), Duration.ofSeconds(2), Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void firstUseIsAcceptedAndASecondUseOnAnotherNodeIsAReplay() throws Exception {
        ReplayStore nodeOne = new RedisReplayStore(one);
        ReplayStore nodeTwo = new RedisReplayStore(two);
        assertThat(await(nodeOne.markUsed("shop-app:c2lnbmF0dXJl+/=", Duration.ofSeconds(600)))).isTrue();
        assertThat(await(nodeTwo.markUsed("shop-app:c2lnbmF0dXJl+/=", Duration.ofSeconds(600)))).isFalse();
        assertThat(await(nodeOne.markUsed("shop-app:c2lnbmF0dXJl+/=", Duration.ofSeconds(600)))).isFalse();
        assertThat(await(nodeOne.markUsed("other-app:c2lnbmF0dXJl+/=", Duration.ofSeconds(600)))).isTrue();
    }

    @Test
    void storesTheSignatureUnderTheDocumentedKeyWithTheWindowAsItsExpiry() throws Exception {
        assertThat(await(new RedisReplayStore(one).markUsed("shop-app:abc", Duration.ofSeconds(600)))).isTrue();
        assertThat(redis.server().call("GET", "gw:replay:shop-app:abc")).isEqualTo("1");
        long pttl = (Long) redis.server().call("PTTL", "gw:replay:shop-app:abc");
        assertThat(pttl).isBetween(590_000L, 600_000L);
    }

    @Test
    void failsTheStageWhenRedisCannotAnswer() throws Exception {
        RedisService closed = RedisService.start(config(), null);
        closed.close();
        CompletionStage<Boolean> stage = new RedisReplayStore(closed).markUsed("shop-app:x", Duration.ofSeconds(1));
        assertThatThrownBy(() -> stage.toCompletableFuture().get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
    }
}
