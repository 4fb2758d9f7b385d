package dev.gateway.core.redis;

import static dev.gateway.core.redis.RedisTesting.COMMAND_TIMEOUT;
import static dev.gateway.core.redis.RedisTesting.await;
import static dev.gateway.core.redis.RedisTesting.config;
import static dev.gateway.core.redis.RedisTesting.failure;
import static dev.gateway.core.redis.RedisTesting.succeeds;
import static dev.gateway.core.redis.RedisTesting.until;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.RealRedis;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.ScriptOutputType;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared connection against one real redis-server: commands, timeouts, scripts, pub/sub, metrics. */
class RedisServiceTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    static RedisService service;

    @BeforeAll
    static void connect() throws Exception {
        service = RedisService.start(config(redis.uri()), meters);
        until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
    }

    @AfterAll
    static void close() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void runsCommandsUnderTheKeyPrefix() throws Exception {
        String key = service.key("test", "greeting");
        assertThat(key).isEqualTo("gw:test:greeting");
        assertThat(await(service.<String>call(c -> c.set(key, "hello")))).isEqualTo("OK");
        assertThat(await(service.<String>call(c -> c.get(key)))).isEqualTo("hello");
        assertThat(redis.server().call("GET", "gw:test:greeting")).isEqualTo("hello");
    }

    @Test
    void failsACommandWithATimeoutNearTheCommandTimeoutWhenRedisIsSlow() throws Exception {
        redis.server().call("CLIENT", "PAUSE", "1000", "ALL");
        try {
            long start = System.nanoTime();
            Throwable t = failure(service.call(c -> c.get(service.key("slow"))));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(t).isInstanceOf(RedisCommandTimeoutException.class);
            // Not before the timeout; the upper bound only guards against a hang (the exception names the path).
            assertThat(millis).isBetween(COMMAND_TIMEOUT.toMillis() - 10, COMMAND_TIMEOUT.toMillis() * 10);
            // The listener records right after the caller's stage completed: poll, with a bound.
            until(Duration.ofSeconds(5), "the timeout is counted", () -> count("GET", "timeout") >= 1);
        } finally {
            until(Duration.ofSeconds(5), "the pause is over", () -> redis.server().ping());
        }
        until(Duration.ofSeconds(5), "commands work again", () -> succeeds(service.call(c -> c.ping())));
    }

    @Test
    void runsAScriptAgainAfterRedisForgotIt() throws Exception {
        RedisScript incr = service.script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        String key = service.keys().tagged("script", "n");
        assertThat(key).isEqualTo("gw:{script}:n");
        assertThat(await(incr.<Long>run(ScriptOutputType.INTEGER, new String[] {key}, "2"))).isEqualTo(2L);
        redis.server().call("SCRIPT", "FLUSH");
        assertThat(redis.server().call("SCRIPT", "EXISTS", incr.sha())).asString().contains("0");
        assertThat(await(incr.<Long>run(ScriptOutputType.INTEGER, new String[] {key}, "3"))).isEqualTo(5L);
    }

    @Test
    void deliversPublishedMessagesToAPubSubConnection() throws Exception {
        var pubsub = await(service.connectPubSub());
        try {
            CompletableFuture<String> received = new CompletableFuture<>();
            pubsub.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    received.complete(channel + "=" + message);
                }
            });
            String channel = service.key("changes");
            await(pubsub.async().subscribe(channel));
            assertThat(await(service.<Long>call(c -> c.publish(channel, "app-1")))).isEqualTo(1L);
            assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo("gw:changes=app-1");
        } finally {
            pubsub.close();
        }
    }

    @Test
    void exportsUpAndCommandLatencyBySuccessfulCommand() throws Exception {
        await(service.call(c -> c.set(service.key("m"), "1")));
        assertThat(meters.get("gateway.redis.up").gauge().value()).isEqualTo(1.0);
        until(Duration.ofSeconds(5), "the SET is counted", () -> count("SET", "success") >= 1);
    }

    private static long count(String command, String outcome) {
        var timer = meters.find("gateway.redis.commands").tags("command", command, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }
}
