package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.metadata.AppChanges;
import dev.gateway.core.metadata.AppJson;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.Needs;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apps import} against a real redis-server: the jar on the shipped conf/apps.yml (created, then unchanged,
 * with a change message per written key only), an update, a gateway.yml with includes, and bad files refused with
 * located errors and nothing written.
 */
class AppsImportIT {
    static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();

    @TempDir
    Path dir;

    @BeforeEach
    void emptyRedis() {
        redis.server().call("FLUSHALL");
    }

    /** The change messages published on {@code gw:apps:changed}, received the way a gateway receives them. */
    static final class Received implements MetadataSource {
        final Queue<String> keys = new ConcurrentLinkedQueue<>();

        @Override
        public App cached(String key) {
            return null;
        }

        @Override
        public CompletionStage<App> find(String key) {
            return CompletableFuture.completedStage(null);
        }

        @Override
        public void changed(String key) {
            keys.add(key);
        }
    }

    record Run(int code, String out, String err) {}

    static Run importInProcess(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AppsImport.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env::get);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static long subscribers() {
        List<?> r = (List<?>) redis.server().call("PUBSUB", "NUMSUB", "gw:apps:changed");
        return (Long) r.get(1);
    }

    @Test
    void importsTheShippedAppsFileOnceAndASecondRunChangesNothing() throws Exception {
        Needs.require(Files.exists(GatewayProcess.JAR), () -> "no " + GatewayProcess.JAR
                + ": the fat jar is built by `package` before Failsafe runs");
        Path apps = GatewayProcess.REPO_ROOT.resolve("conf/apps.yml");
        Received received = new Received();
        try (RedisService service = RedisService.start(new RedisConfig(redis.uri(), List.of(), Duration.ofSeconds(1),
                Duration.ofSeconds(2), "gw:", RedisConfig.Readiness.DEGRADED), null);
                AppChanges changes = AppChanges.start(service, received, null)) {
            Await.until(BOUND, "the test subscribed", () -> subscribers() == 1);

            GatewayProcess.Result first = GatewayProcess.run(dir, "apps", "import", apps.toString(), "--redis",
                    redis.uri());
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(first.stdout()).contains("created   demo-app", "created   other-app",
                    apps + ": 2 apps imported into " + redis.uri() + " (prefix gw:): 2 created, 0 updated, "
                            + "0 unchanged; 2 change message(s) published");
            AppJson.Read stored = AppJson.read((String) redis.server().call("GET", "gw:app:demo-app"), "demo-app");
            assertThat(stored.ok()).as(stored.problems().toString()).isTrue();
            assertThat(new String(stored.app().secrets().get(0), StandardCharsets.UTF_8)).isEqualTo("demo-secret");
            assertThat(stored.app().routes()).containsExactly("signed");
            assertThat(stored.app().group()).isEqualTo("demo-partners");

            GatewayProcess.Result second = GatewayProcess.run(dir, "apps", "import", apps.toString(), "--redis",
                    redis.uri());
            assertThat(second.exitCode()).as(second.stderr()).isZero();
            assertThat(second.stdout()).contains("unchanged demo-app", "unchanged other-app", "2 apps imported into "
                    + redis.uri() + " (prefix gw:): 0 created, 0 updated, 2 unchanged; 0 change message(s) published");

            // A marker published after both runs: once it arrives, every message of the runs has arrived before it.
            redis.server().call("PUBLISH", "gw:apps:changed", "marker");
            Await.until(BOUND, "the marker arrived", () -> received.keys.contains("marker"));
            assertThat(received.keys).containsExactly("demo-app", "other-app", "marker");
        }
    }

    @Test
    void reportsAnUpdatedAppAndLeavesTheOthersUnchangedUnderItsKeyPrefix() throws Exception {
        Path apps = dir.resolve("apps.yml");
        Files.writeString(apps, """
                apps:
                  - { key: one-app, secrets: [one-secret], routes: [orders] }
                  - { key: two-app, secrets: ["${TWO_SECRET}"], enabled: false }
                """);
        Run first = importInProcess(Map.of("TWO_SECRET", "two-secret"), "import", apps.toString(), "--redis",
                redis.uri(), "--key-prefix", "shop:");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains(": 2 created, 0 updated, 0 unchanged;");
        Run second = importInProcess(Map.of("TWO_SECRET", "rotated-secret"), "import", apps.toString(), "--redis",
                redis.uri(), "--key-prefix", "shop:");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.out()).contains("unchanged one-app", "updated   two-app",
                "(prefix shop:): 0 created, 1 updated, 1 unchanged; 1 change message(s) published");
        assertThat((String) redis.server().call("GET", "shop:app:two-app")).contains("rotated-secret");
        assertThat(redis.server().call("EXISTS", "gw:app:two-app")).isEqualTo(0L);
    }

    @Test
    void importsTheAppsOfAGatewayYmlWithItsIncludesAndItsRedisSection() throws Exception {
        Files.writeString(dir.resolve("routes.yml"), """
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u, filters: { hmac-auth: {} } }
                """);
        Files.writeString(dir.resolve("apps.yml"), "apps:\n  - { key: inc-app, secrets: [s], routes: [orders] }\n");
        Path main = dir.resolve("gateway.yml");
        Files.writeString(main, "redis:\n  uri: " + redis.uri() + "\n  key-prefix: \"main:\"\n"
                + "include: [routes.yml, apps.yml]\n");
        Run run = importInProcess(Map.of(), "import", main.toString());
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 apps imported into " + redis.uri() + " (prefix main:): 1 created");
        assertThat(redis.server().call("EXISTS", "main:app:inc-app")).isEqualTo(1L);
    }

    @Test
    void aBadFileIsRefusedWithLocatedErrorsAndNothingIsWritten() throws Exception {
        Path apps = dir.resolve("apps.yml");
        Files.writeString(apps, """
                apps:
                  - key: good-app
                    secrets: [s]
                  - key: no-secret
                    colour: red
                  - key: good-app
                    secrets: [t]
                """);
        Run bad = importInProcess(Map.of(), "import", apps.toString(), "--redis", redis.uri());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err().lines().toList()).contains(
                apps + ":4: apps[1].secrets: at least one secret is required",
                apps + ":5: apps[1].colour: unknown key 'colour'",
                apps + ":6: apps[2]: app key 'good-app' is already used at " + apps + ":2",
                apps + ": 3 error(s), nothing imported");

        Path gateway = dir.resolve("gateway.yml");
        Files.writeString(gateway, """
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u }
                apps:
                  - { key: lost-app, secrets: [s], routes: [ordrs] }
                """);
        Run unknownRoute = importInProcess(Map.of(), "import", gateway.toString(), "--redis", redis.uri());
        assertThat(unknownRoute.code()).isEqualTo(1);
        assertThat(unknownRoute.err()).contains(gateway + ":6: apps[0].routes: no route with id 'ordrs' "
                + "(did you mean 'orders'?)");
        assertThat(redis.server().call("DBSIZE")).isEqualTo(0L);

        Run noRedis = importInProcess(Map.of(), "import", apps.toString().replace("apps.yml", "gateway.yml"));
        assertThat(noRedis.code()).isEqualTo(1); // the file's errors come first
        Run usage = importInProcess(Map.of(), "export");
        assertThat(usage.code()).isEqualTo(2);
        assertThat(usage.err()).startsWith("usage: gateway-server apps import FILE");
    }
}
