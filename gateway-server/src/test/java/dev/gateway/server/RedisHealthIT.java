package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.Needs;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.server.support.Promtool;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * /health/ready and /metrics with a real redis-server that is killed and restarted on the same port: readiness
 * fails with {@code readiness: required} and stays 200 (saying redis is down) with {@code degraded};
 * {@code gateway_redis_up} follows, the exposition stays promtool-clean, and the password never shows.
 */
class RedisHealthIT {
    private static final String PASSWORD = "it-s3cret-Pw-4711";
    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone("requirepass " + PASSWORD);

    @TempDir
    Path dir;

    @AfterEach
    void redisRunsForTheNextTest() {
        if (!redis.server().isAlive()) {
            redis.server().start();
        }
    }

    private static String redisSection(String readiness) {
        return "redis:\n  uri: \"redis://:${REDIS_PASSWORD}@127.0.0.1:" + redis.server().port() + "/0\"\n"
                + "  readiness: " + readiness + "\n";
    }

    private static RawHttp.Response admin(int port, String path) throws Exception {
        return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    private static boolean status(int port, int status) {
        try {
            return admin(port, "/health/ready").status() == status;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void failsReadinessWhileRequiredRedisIsDownAndRecoversWithoutRestart() throws Exception {
        Path yaml = dir.resolve("gateway.yml");
        Files.writeString(yaml, Gateways.yaml("", redisSection("required")));
        GatewayServer gateway = Gateways.start(yaml, java.util.Map.of("REDIS_PASSWORD", PASSWORD));
        try {
            int admin = gateway.adminPort();
            Await.until(BOUND, "readiness says redis is up", () -> status(admin, 200));
            assertThat(admin(admin, "/health/ready").text()).isEqualTo("{\"status\":\"ready\",\"redis\":\"up\"}\n");
            assertThat(metrics(admin)).contains("gateway_redis_up 1.0");

            redis.server().kill();
            Await.until(BOUND, "readiness turns 503", () -> status(admin, 503));
            RawHttp.Response down = admin(admin, "/health/ready");
            assertThat(down.header("content-type")).isEqualTo("application/json");
            assertThat(down.text()).startsWith("{\"status\":\"not_ready\",\"redis\":\"down\",\"reason\":\"redis is "
                    + "required: ").contains("\"redis_down_since\":").doesNotContain(PASSWORD);
            String text = metrics(admin);
            assertThat(text).contains("gateway_redis_up 0.0",
                    "gateway_redis_commands_seconds_count{command=\"PING\",outcome=\"success\"}");
            promtoolClean(text);

            redis.server().start();
            Await.until(BOUND, "readiness is 200 again", () -> status(admin, 200));
            assertThat(metrics(admin)).contains("gateway_redis_up 1.0");
        } finally {
            gateway.close();
        }
    }

    @Test
    void showsTheRedisTargetMaskedAndNamesARedisChangeRestartNeeded() throws Exception {
        Path yaml = dir.resolve("gateway.yml");
        Files.writeString(yaml, Gateways.yaml("", redisSection("degraded")));
        GatewayServer gateway = Gateways.start(yaml, java.util.Map.of("REDIS_PASSWORD", PASSWORD));
        try {
            Files.writeString(yaml, Gateways.yaml("", redisSection("required")));
            assertThat(gateway.reloader().reload("test").get(10, TimeUnit.SECONDS).restartNeeded())
                    .singleElement().asString().startsWith("redis: RedisConfig[redis://:***@127.0.0.1:")
                    .contains("readiness=degraded] -> RedisConfig[").endsWith("readiness=required]");
            String config = admin(gateway.adminPort(), "/admin/config").text();
            assertThat(config).contains("\"redis\":\"RedisConfig[redis://:***@127.0.0.1:",
                    "\"restart_needed\":[\"redis:")
                    .doesNotContain(PASSWORD);
        } finally {
            gateway.close();
        }
    }

    /** The jar as a process: degraded readiness, one WARN and one INFO for one outage, no password in the log. */
    @Test
    void staysReadyInDegradedModeAndSaysRedisIsDown() throws Exception {
        Needs.require(Files.exists(GatewayProcess.JAR), () -> "no " + GatewayProcess.JAR
                + ": the fat jar is built by `package` before Failsafe runs");
        String rest = redisSection("degraded").replace("${REDIS_PASSWORD}", PASSWORD);
        try (GatewayProcess gateway = GatewayProcess.startYaml(dir, "", rest)) {
            int admin = gateway.adminPort();
            Await.until(BOUND, "readiness says redis is up",
                    () -> body(admin).equals("{\"status\":\"ready\",\"redis\":\"up\"}\n"));

            redis.server().kill();
            Await.until(BOUND, "readiness says redis is down", () -> body(admin).contains("\"redis\":\"down\""));
            RawHttp.Response r = admin(admin, "/health/ready");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).startsWith("{\"status\":\"ready\",\"redis\":\"down\",\"reason\":\"redis is down, "
                    + "serving degraded: ");
            Await.until(BOUND, "gateway_redis_up is 0", () -> metricsOrEmpty(admin).contains("gateway_redis_up 0.0"));

            redis.server().start();
            Await.until(BOUND, "readiness says redis is up again", () -> body(admin).contains("\"redis\":\"up\""));
            Await.until(BOUND, "the recovery is logged", () -> gateway.output().contains("redis up: "));
            List<String> lines = gateway.output().lines().toList();
            assertThat(lines).filteredOn(l -> l.contains("redis down: ")).hasSize(1);
            assertThat(lines).filteredOn(l -> l.contains("answers again (down since")).hasSize(1);
            assertThat(gateway.output()).doesNotContain(PASSWORD).doesNotContain("LEAK:");
        }
    }

    private static String body(int admin) {
        try {
            return admin(admin, "/health/ready").text();
        } catch (Exception e) {
            return "";
        }
    }

    private static String metrics(int admin) throws Exception {
        RawHttp.Response r = admin(admin, "/metrics");
        assertThat(r.status()).isEqualTo(200);
        return r.text();
    }

    private static String metricsOrEmpty(int admin) {
        try {
            return metrics(admin);
        } catch (Exception e) {
            return "";
        }
    }

    private void promtoolClean(String text) throws Exception {
        Promtool.assertClean(text, dir);
    }
}
