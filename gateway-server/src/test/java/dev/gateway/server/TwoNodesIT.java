package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.testing.Needs;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes (the real jar) sharing one real redis-server: an app created or deleted through node 1's
 * admin API takes effect on node 2 within a second, and a signature used on one node is a replay on the other.
 */
class TwoNodesIT {
    static final String TOKEN = "admin-token-0123456789";
    static final Duration ONE_SECOND = Duration.ofSeconds(1);
    static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static TestUpstream upstream;

    @TempDir
    Path dir;

    @BeforeAll
    static void startUpstream() throws Exception {
        upstream = TestUpstream.echo("u");
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void jarAndEmptyRedis() {
        Needs.require(Files.exists(GatewayProcess.JAR), () -> "no " + GatewayProcess.JAR
                + ": the fat jar is built by `package` before Failsafe runs");
        redis.server().call("FLUSHALL");
    }

    /** Everything after {@code admin: listen:} in a node's gateway.yml. */
    static String rest(String metadataSource, String apps, boolean replayProtection) {
        return "  token: \"" + TOKEN + "\"\n"
                + "access-log:\n  enabled: false\n"
                + "reload:\n  watch: false\n"
                + "redis:\n  uri: " + redis.uri() + "\n"
                + "metadata:\n  source: " + metadataSource + "\n"
                // Remembered far longer than BOUND: within it only a change message can make node two see a change.
                + (metadataSource.equals("redis") ? "  cache: { negative-ttl: 10m }\n" : "")
                + "upstreams:\n  u: { targets: [\"" + upstream.url() + "\"] }\n"
                + "routes:\n  - id: orders\n    paths: [/orders/**]\n    upstream: u\n"
                + "    filters: { hmac-auth: { replay-protection: " + replayProtection + " } }\n"
                + apps;
    }

    GatewayProcess node(String name, String rest) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        return GatewayProcess.startYaml(d, "", rest);
    }

    /** A complete signed GET of {@code target} as {@code app}, signed now over x-date and request-line. */
    static String signed(String app, String secret, String target) {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", target, "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, secret.getBytes(StandardCharsets.UTF_8), signing);
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Date: " + date + "\r\nAuthorization: hmac username=\""
                + app + "\", algorithm=\"hmac-sha256\", headers=\"x-date request-line\", signature=\"" + sig
                + "\"\r\nConnection: close\r\n\r\n";
    }

    static RawHttp.Response send(GatewayProcess node, String raw) {
        try {
            return RawHttp.exchange(node.proxyPort(), raw);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String error(RawHttp.Response r) {
        String t = r.text();
        int i = t.indexOf("\"error\":\"");
        return i < 0 ? null : t.substring(i + 9, t.indexOf('"', i + 9));
    }

    static RawHttp.Response admin(GatewayProcess node, String method, String path, String body) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (RawHttp c = new RawHttp(node.adminPort())) {
            c.send((method + " " + path + " HTTP/1.1\r\nHost: admin\r\nAuthorization: Bearer " + TOKEN + "\r\n"
                    + "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8));
            c.send(content);
            return c.read();
        }
    }

    static String app(String key, String secret) {
        return "{\"key\":\"" + key + "\",\"secrets\":[\"" + secret + "\"],\"routes\":[\"orders\"]}";
    }

    /** Milliseconds from now until a fresh signed request of {@code app} on {@code node} answers {@code status}. */
    static long millisUntil(GatewayProcess node, String app, String secret, int status) {
        long start = System.nanoTime();
        Await.until(BOUND, app + " answered " + status + " on the other node",
                () -> send(node, signed(app, secret, "/orders/poll")).status() == status);
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Change messages {@code node} applied so far: its {@code gateway_metadata_events_total{type="changed"}}. */
    static double changesApplied(GatewayProcess node) {
        String prefix = "gateway_metadata_events_total{type=\"changed\"} ";
        try {
            return admin(node, "GET", "/metrics", null).text().lines().filter(l -> l.startsWith(prefix))
                    .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + prefix + "in the metrics"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anAppCreatedOnNodeOneSignsOnNodeTwoThroughTheChangeMessage() throws Exception {
        try (GatewayProcess one = node("one", rest("redis", "", false));
                GatewayProcess two = node("two", rest("redis", "", false))) {
            // Node two looks the key up first: its negative cache (and Bloom filter) must then be invalidated.
            RawHttp.Response unknown = send(two, signed("new-app", "new-s3cret", "/orders/1"));
            assertThat(unknown.status()).isEqualTo(401);
            assertThat(error(unknown)).isEqualTo("unknown_app");

            double applied = changesApplied(two);
            assertThat(admin(one, "PUT", "/admin/apps/new-app", app("new-app", "new-s3cret")).status())
                    .isEqualTo(201);
            // Within BOUND, far below the negative-ttl and the Bloom filter's rebuild: by the change message, not by
            // an expiry, however slow the machine.
            millisUntil(two, "new-app", "new-s3cret", 200);
            Await.until(BOUND, "node two counted the change", () -> changesApplied(two) > applied);
            assertThat(upstream.last().headers().get("x-app-key")).isEqualTo("new-app");
            assertThat(one.output() + two.output()).doesNotContain("LEAK:");
        }
    }

    @Test
    void anAppDeletedOnNodeOneIsRefusedOnNodeTwoThroughTheChangeMessage() throws Exception {
        try (GatewayProcess one = node("one", rest("redis", "", false));
                GatewayProcess two = node("two", rest("redis", "", false))) {
            assertThat(admin(one, "PUT", "/admin/apps/old-app", app("old-app", "old-s3cret")).status())
                    .isEqualTo(201);
            millisUntil(two, "old-app", "old-s3cret", 200); // node two has it cached now

            double applied = changesApplied(two);
            assertThat(admin(one, "DELETE", "/admin/apps/old-app", null).status()).isEqualTo(204);
            // Within BOUND, far below refresh-after (30 s) of node two's cached entry: by the change message.
            millisUntil(two, "old-app", "old-s3cret", 401);
            Await.until(BOUND, "node two counted the DELETE", () -> changesApplied(two) > applied);
            assertThat(error(send(two, signed("old-app", "old-s3cret", "/orders/2")))).isEqualTo("unknown_app");
            assertThat(one.output() + two.output()).doesNotContain("LEAK:");
        }
    }

    @Test
    void aSignatureUsedOnOneNodeIsAReplayOnTheOther() throws Exception {
        String apps = "apps:\n  - { key: shop-app, secrets: [shop-s3cret], routes: [orders] }\n";
        try (GatewayProcess one = node("one", rest("file", apps, true));
                GatewayProcess two = node("two", rest("file", apps, true))) {
            String request = signed("shop-app", "shop-s3cret", "/orders/7");
            assertThat(send(one, request).status()).isEqualTo(200);

            RawHttp.Response replay = send(two, request);
            assertThat(replay.status()).isEqualTo(401);
            assertThat(error(replay)).isEqualTo("replayed_request");
            assertThat(error(send(one, request))).isEqualTo("replayed_request");
            assertThat(send(two, signed("shop-app", "shop-s3cret", "/orders/8")).status()).isEqualTo(200);
            assertThat((List<?>) redis.server().call("KEYS", "gw:replay:shop-app:*")).hasSize(2);

            // Redis gone: the shared check cannot answer, and the route refuses rather than risk a replay.
            redis.server().kill();
            try {
                Await.until(BOUND, "node one refuses with 503 replay_check_unavailable", () -> {
                    RawHttp.Response r = send(one, signed("shop-app", "shop-s3cret", "/orders/9"));
                    return r.status() == 503 && "replay_check_unavailable".equals(error(r));
                });
            } finally {
                redis.server().start();
            }
            assertThat(one.output() + two.output()).doesNotContain("LEAK:");
        }
    }
}
