package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.config.App;
import dev.gateway.core.metadata.AppJson;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.core.testing.RedisNode;
import dev.gateway.server.support.Promtool;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway with {@code metadata: {source: redis}} and a real redis-server: apps stored in Redis sign requests, an
 * unknown key is refused without a Redis read, and while Redis is killed a cached app still passes and an app never
 * seen gets 503 metadata_unavailable, never a false 401; when Redis returns, everything works again. An app a script
 * writes straight into Redis, with no change message, signs once the script publishes the resync message.
 */
class RedisMetadataIT {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static TestUpstream upstream;
    static GatewayServer gateway;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        store(app("shop-app", "shop-secret"), app("late-app", "late-secret"));
        upstream = TestUpstream.echo("u");
        gateway = startGateway("", "  cache: { refresh-after: 30s, expire-after: 10m }");
    }

    /** A gateway with apps from Redis ({@code redisLines} and {@code metadataLines} added) and one hmac-auth route. */
    static GatewayServer startGateway(String redisLines, String metadataLines) throws Exception {
        return Gateways.start(Gateways.yaml("", """
                redis:
                  uri: redis://127.0.0.1:${REDIS_PORT}/0
                %s
                metadata:
                  source: redis
                %s
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - id: orders
                    paths: [/orders/**]
                    upstream: u
                    filters:
                      hmac-auth: {}
                """.formatted(redisLines, metadataLines)),
                Map.of("U", upstream.url(), "REDIS_PORT", Integer.toString(redis.server().port())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static App app(String key, String secret) {
        return new App(key, List.of(secret.getBytes(StandardCharsets.UTF_8)), true, Set.of("orders"), Set.of(),
                null, "default", List.of());
    }

    /** Writes the apps the way the admin API and the import do: {@code gw:app:<key>} = AppJson. */
    static void store(App... apps) {
        for (App a : apps) {
            redis.server().call("SET", "gw:app:" + a.key(), AppJson.write(a));
        }
    }

    static RawHttp.Response signedGet(String app, String secret, String target) throws Exception {
        return signedGet(gateway.port(), app, secret, target);
    }

    static RawHttp.Response signedGet(int port, String app, String secret, String target) throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", target, "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, secret.getBytes(StandardCharsets.UTF_8), signing);
        return RawHttp.exchange(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Date: " + date + "\r\n"
                + "Authorization: hmac username=\"" + app + "\", algorithm=\"hmac-sha256\", "
                + "headers=\"x-date request-line\", signature=\"" + sig + "\"\r\nConnection: close\r\n\r\n");
    }

    static long redisGets() {
        return redis.server().commandCalls("get");
    }

    static int status(String app, String secret) {
        try {
            return signedGet(app, secret, "/orders/1").status();
        } catch (Exception e) {
            return -1;
        }
    }

    static String metrics() {
        try {
            return RawHttp.exchange(gateway.adminPort(), "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close"
                    + "\r\n\r\n").text();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void appsInRedisSignAndUnknownKeysNeverReachRedisAndAnOutageIsNoFalse401() throws Exception {
        // Start-up waits for the filter at most redis.connect-timeout; on a loaded machine it may come later.
        Await.until(BOUND, "the Bloom filter holds the two apps", () -> metrics().contains(
                "gateway_metadata_bloom_keys 2.0"));
        RawHttp.Response ok = signedGet("shop-app", "shop-secret", "/orders/1");
        assertThat(ok.status()).isEqualTo(200);

        redis.server().call("CONFIG", "RESETSTAT");
        RawHttp.Response unknown = signedGet("forged-app", "whatever", "/orders/1");
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.text()).contains("\"error\":\"unknown_app\"");
        assertThat(signedGet("shop-app", "shop-secret", "/orders/2").status()).as("a cached hit").isEqualTo(200);
        assertThat(redisGets()).as("GETs for an unknown key and a cached app").isZero();
        metricsAreCleanAndCountTheRejection();

        RedisNode server = redis.server();
        server.kill();
        try {
            assertThat(signedGet("shop-app", "shop-secret", "/orders/3").status()).as("cached while Redis is down")
                    .isEqualTo(200);
            RawHttp.Response unseen = signedGet("late-app", "late-secret", "/orders/1");
            assertThat(unseen.status()).isEqualTo(503);
            assertThat(unseen.text()).contains("\"error\":\"metadata_unavailable\"");
            assertThat(signedGet("forged-app", "whatever", "/orders/1").status())
                    .as("the Bloom filter still refuses forged keys").isEqualTo(401);
        } finally {
            if (!server.isAlive()) {
                server.start();
            }
        }
        store(app("shop-app", "shop-secret"), app("late-app", "late-secret")); // the restarted server is empty
        Await.until(BOUND, "the app never seen signs once Redis is back",
                () -> status("late-app", "late-secret") == 200);
        assertThat(signedGet("shop-app", "shop-secret", "/orders/4").status()).isEqualTo(200);
    }

    @Test
    void anAppAScriptWritesStraightIntoRedisSignsOnceTheScriptPublishesTheResyncMessage() throws Exception {
        // A gateway and key prefix of its own: the resync must not reach the other test's gateway.
        try (GatewayServer own = startGateway("  key-prefix: \"script:\"", "")) {
            Await.until(BOUND, "the Bloom filter is built (from no apps)", () -> own.metrics().registry()
                    .get("gateway.metadata.bloom.fpp").gauge().value() < 1);
            redis.server().call("SET", "script:app:script-app", AppJson.write(app("script-app", "script-secret")));
            RawHttp.Response before = signedGet(own.port(), "script-app", "script-secret", "/orders/1");
            assertThat(before.status()).as("no change message: the Bloom filter does not know the key").isEqualTo(401);
            assertThat(before.text()).contains("\"error\":\"unknown_app\"");

            assertThat(redis.server().call("PUBLISH", "script:apps:changed", "*")).isEqualTo(1L);
            Await.until(BOUND, "the app signs after the resync", () -> {
                try {
                    return signedGet(own.port(), "script-app", "script-secret", "/orders/2").status() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private void metricsAreCleanAndCountTheRejection() throws Exception {
        String text = metrics();
        assertThat(text).contains("gateway_metadata_bloom_rejections_total 1.0",
                "cache_gets_total{cache=\"apps\",result=\"hit\"}", "gateway_metadata_bloom_keys 2.0",
                "gateway_metadata_bloom_fpp ");
        Promtool.assertClean(text, dir);
    }
}
