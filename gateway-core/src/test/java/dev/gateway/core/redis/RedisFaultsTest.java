package dev.gateway.core.redis;

import static dev.gateway.core.redis.RedisTesting.COMMAND_TIMEOUT;
import static dev.gateway.core.redis.RedisTesting.await;
import static dev.gateway.core.redis.RedisTesting.config;
import static dev.gateway.core.redis.RedisTesting.failure;
import static dev.gateway.core.redis.RedisTesting.succeeds;
import static dev.gateway.core.redis.RedisTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.testing.RealRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Redis killed, restarted on the same port, down at start-up, refusing a password: the service rides it out. */
class RedisFaultsTest {
    private static final Duration HEALTH_BOUND = Duration.ofSeconds(5);
    private static final String PASSWORD = "s3cret-Pw-9f";

    @Test
    void reportsDownFailsFastAndRecoversWithoutRestartWhenRedisIsKilledAndRestarted() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(HEALTH_BOUND, "redis is up", () -> service.health().up());
            await(service.<String>call(c -> c.set(service.key("k"), "v1")));

            redis.server().kill();
            until(HEALTH_BOUND, "health reports redis down", () -> !service.health().up());
            assertThat(service.health().reason()).isNotBlank();
            long start = System.nanoTime();
            failure(service.call(c -> c.get(service.key("k"))));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("a command while Redis is down fails, never hangs")
                    .isLessThanOrEqualTo(COMMAND_TIMEOUT.toMillis() * 10);

            redis.server().start(); // same port, empty data
            until(HEALTH_BOUND, "health reports redis up again", () -> service.health().up());
            until(HEALTH_BOUND, "commands work again", () -> succeeds(service.call(c -> c.set(service.key("k"),
                    "v2"))));
            assertThat(await(service.<String>call(c -> c.get(service.key("k"))))).isEqualTo("v2");
        }
    }

    @Test
    void startsWhileRedisIsDownAndConnectsWhenItComes() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start()) {
            redis.server().kill();
            RedisConfig config = new RedisConfig(redis.uri(), List.of(), COMMAND_TIMEOUT, Duration.ofMillis(300),
                    "gw:", RedisConfig.Readiness.REQUIRED);
            long start = System.nanoTime();
            try (RedisService service = RedisService.start(config, null)) {
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("start-up does not hang on a Redis that is down").isLessThan(3000);
                assertThat(service.health().up()).isFalse();
                assertThat(failure(service.call(c -> c.ping()))).isInstanceOf(RedisUnavailableException.class)
                        .hasMessageContaining("not connected");

                redis.server().start();
                until(HEALTH_BOUND, "redis is up once it answers", () -> service.health().up());
                assertThat(await(service.<String>call(c -> c.ping()))).isEqualTo("PONG");
            }
        }
    }

    @Test
    void authenticatesAndNeverShowsThePasswordInHealthOrLogs() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try (RealRedis redis = RealRedis.standalone("requirepass " + PASSWORD).start()) {
            String good = "redis://:" + PASSWORD + "@127.0.0.1:" + redis.server().port() + "/0";
            try (RedisService service = RedisService.start(config(good), null)) {
                until(HEALTH_BOUND, "redis is up with the password", () -> service.health().up());
                assertThat(service.config().toString()).contains("redis://:***@127.0.0.1:")
                        .doesNotContain(PASSWORD);
                redis.server().kill();
                until(HEALTH_BOUND, "redis is down", () -> !service.health().up());
                redis.server().start();
                until(HEALTH_BOUND, "redis is up again", () -> service.health().up());
            }
            String wrong = "redis://default:" + PASSWORD + "-wrong@127.0.0.1:" + redis.server().port() + "/0";
            try (RedisService service = RedisService.start(config(wrong), null)) {
                assertThat(service.health().up()).isFalse();
                assertThat(service.health().reason()).isNotBlank().doesNotContain(PASSWORD);
                assertThat(failure(service.call(c -> c.ping())).getMessage()).doesNotContain(PASSWORD);
            }
        } finally {
            root.detachAppender(logs);
        }
        List<String> lines = logs.list.stream().map(e -> e.getFormattedMessage() + " " + (e.getThrowableProxy() == null
                ? "" : e.getThrowableProxy().getMessage())).toList();
        assertThat(lines).anyMatch(l -> l.contains("redis down")).anyMatch(l -> l.contains("redis up"))
                .noneMatch(l -> l.contains(PASSWORD));
    }
}
