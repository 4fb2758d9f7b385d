package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.server.support.Promtool;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin app API of an in-process gateway with {@code metadata.source: redis} and a real redis-server: PUT, GET
 * (masked), paging by cursor, DELETE, validation, the bearer token, 409 with {@code source: file}, 503 while Redis is
 * down, and the change message every write publishes.
 */
class AdminAppsIT {
    static final String TOKEN = "admin-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static GatewayServer gateway;

    @TempDir
    Path dir;

    static String yaml(String admin, String metadata, String apps) {
        return """
                server:
                  listen: 127.0.0.1:0
                  io-threads: 2
                admin:
                  listen: 127.0.0.1:0
                %s
                access-log:
                  enabled: false
                reload:
                  watch: false
                redis:
                  uri: "${REDIS}"
                  command-timeout: 500ms
                %s
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u, group: shop }
                  - { id: reports, paths: [/reports/**], upstream: u }
                %s
                """.formatted(admin, metadata, apps);
    }

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateways.start(yaml("  token: \"${TOKEN}\"", "metadata:\n  source: redis", ""),
                Map.of("REDIS", redis.uri(), "TOKEN", TOKEN));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        redis.server().call("FLUSHALL");
    }

    @AfterEach
    void redisRunsForTheNextTest() {
        if (!redis.server().isAlive()) {
            redis.server().start();
        }
        Await.until(BOUND, "the gateway's Redis is up", () -> gateway.metrics().registry()
                .get("gateway.redis.up").gauge().value() == 1);
    }

    static RawHttp.Response call(int adminPort, String method, String path, String token, String body)
            throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder raw = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: admin\r\n");
        if (token != null) {
            raw.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (body != null) {
            raw.append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
        }
        raw.append("Connection: close\r\n\r\n");
        try (RawHttp c = new RawHttp(adminPort)) {
            c.send(raw.toString().getBytes(StandardCharsets.UTF_8));
            c.send(content);
            return c.read();
        }
    }

    static RawHttp.Response call(String method, String path, String token, String body) throws Exception {
        return call(gateway.adminPort(), method, path, token, body);
    }

    static String app(String key, String secret) {
        return "{\"key\":\"" + key + "\",\"secrets\":[\"" + secret + "\"],\"routes\":[\"orders\"],"
                + "\"route-groups\":[\"shop\"],\"group\":\"partners\",\"limits\":{\"orders\":{\"per-second\":5}}}";
    }

    static double changedEvents() {
        return gateway.metrics().registry().get("gateway.metadata.events").tag("type", "changed").counter().count();
    }

    @Test
    void putCreatesThenReplacesAndGetNeverShowsASecretInFull() throws Exception {
        double before = changedEvents();
        RawHttp.Response created = call("PUT", "/admin/apps/shop-app", TOKEN, app("shop-app", "first-s3cret-abc"));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.header("location")).isEqualTo("/admin/apps/shop-app");
        assertThat(created.text()).doesNotContain("first-s3cret-abc").contains("\"****bc (16 chars)\"");

        RawHttp.Response replaced = call("PUT", "/admin/apps/shop-app", TOKEN, app("shop-app", "second-s3cret-xy"));
        assertThat(replaced.status()).isEqualTo(200);

        RawHttp.Response got = call("GET", "/admin/apps/shop-app", null, null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.header("content-type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(got.text());
        assertThat(body.get("key").asText()).isEqualTo("shop-app");
        assertThat(body.get("secrets").toString()).isEqualTo("[\"****xy (16 chars)\"]");
        assertThat(body.get("routes").toString()).isEqualTo("[\"orders\"]");
        assertThat(body.get("limits").toString()).isEqualTo("{\"orders\":{\"per-second\":5,\"burst\":5}}");
        assertThat(got.text()).doesNotContain("second-s3cret-xy");
        // Stored in full under the documented key.
        assertThat((String) redis.server().call("GET", "gw:app:shop-app")).contains("\"second-s3cret-xy\"");
        // Each write was published, and this node received its own two messages.
        Await.until(BOUND, "two change events applied", () -> changedEvents() == before + 2);
    }

    @Test
    void deleteAnswers204ThenTheAppIsGoneAnd404() throws Exception {
        assertThat(call("PUT", "/admin/apps/gone-app", TOKEN, app("gone-app", "s3cret-gone")).status())
                .isEqualTo(201);
        assertThat(call("DELETE", "/admin/apps/gone-app", TOKEN, null).status()).isEqualTo(204);
        RawHttp.Response get = call("GET", "/admin/apps/gone-app", null, null);
        assertThat(get.status()).isEqualTo(404);
        assertThat(JSON.readTree(get.text()).get("error").asText()).isEqualTo("app_not_found");
        RawHttp.Response again = call("DELETE", "/admin/apps/gone-app", TOKEN, null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(JSON.readTree(again.text()).get("error").asText()).isEqualTo("app_not_found");
        assertThat(redis.server().call("EXISTS", "gw:app:gone-app")).isEqualTo(0L);
    }

    @Test
    void listPagesThroughMoreAppsThanTheLimitByCursor() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 25; i++) {
            assertThat(call("PUT", "/admin/apps/app-" + i, TOKEN, app("app-" + i, "secret-number-" + i)).status())
                    .isEqualTo(201);
            expected.add("app-" + i);
        }
        List<String> seen = new ArrayList<>();
        String cursor = "";
        int pages = 0;
        do {
            RawHttp.Response page = call("GET", "/admin/apps?limit=10&cursor=" + cursor, null, null);
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.text()).doesNotContain("secret-number-");
            JsonNode body = JSON.readTree(page.text());
            body.get("apps").forEach(a -> seen.add(a.get("key").asText()));
            cursor = body.get("cursor").isNull() ? null : body.get("cursor").asText();
            assertThat(++pages).as("pages").isLessThan(50);
        } while (cursor != null);
        assertThat(pages).isGreaterThan(1);
        assertThat(new HashSet<>(seen)).isEqualTo(expected);

        RawHttp.Response bad = call("GET", "/admin/apps?limit=0&cursor=abc", null, null);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(JSON.readTree(bad.text()).get("problems")).hasSize(2);
        RawHttp.Response clusterCursor = call("GET", "/admin/apps?cursor=5461:12", null, null);
        assertThat(clusterCursor.status()).as(clusterCursor.text()).isEqualTo(400);
        assertThat(JSON.readTree(clusterCursor.text()).get("problems").get(0).asText())
                .isEqualTo("cursor: a Redis Cluster cursor (<slot>:<cursor>), and this Redis is not a cluster");
    }

    @Test
    void resyncIsPublishedToEveryNodeThisOneIncludedAndNeedsTheToken() throws Exception {
        long before = redis.server().commandCalls("publish");
        assertThat(call("POST", "/admin/apps/_resync", null, null).status()).isEqualTo(401);
        assertThat(call("POST", "/admin/apps/_resync", "wrong-token-0123456789", null).status()).isEqualTo(401);
        RawHttp.Response get = call("GET", "/admin/apps/_resync", null, null);
        assertThat(get.status()).isEqualTo(405);
        assertThat(get.header("allow")).isEqualTo("POST");
        assertThat(JSON.readTree(get.text()).get("error").asText()).isEqualTo("method_not_allowed");
        assertThat(redis.server().commandCalls("publish")).as("nothing published without the token").isEqualTo(before);

        RawHttp.Response r = call("POST", "/admin/apps/_resync", TOKEN, null);
        assertThat(r.status()).as(r.text()).isEqualTo(202);
        JsonNode body = JSON.readTree(r.text());
        assertThat(body.get("resync").asText()).isEqualTo("published");
        assertThat(body.get("nodes").asLong()).as("subscribers that received it: this node").isEqualTo(1);
        assertThat(redis.server().commandCalls("publish")).isEqualTo(before + 1);
    }

    @Test
    void anInvalidBodyIsRefusedWithEveryProblemListed() throws Exception {
        RawHttp.Response r = call("PUT", "/admin/apps/bad-app", TOKEN, "{\"key\":\"bad-app\",\"secrets\":[\"\"],"
                + "\"enabled\":\"yes\",\"routes\":[\"ordrs\"],\"route-groups\":[\"nope\"],\"colour\":\"red\","
                + "\"limits\":{\"orders\":{\"per-second\":0}}}");
        assertThat(r.status()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.text());
        assertThat(body.get("error").asText()).isEqualTo("invalid_app");
        List<String> problems = new ArrayList<>();
        body.get("problems").forEach(p -> problems.add(p.asText()));
        assertThat(problems).containsExactlyInAnyOrder(
                "colour: unknown field (expected one of key, secrets, enabled, routes, route-groups, group, priority, "
                        + "gray-tags, limits)",
                "secrets: a secret may not be empty",
                "enabled: expected true or false",
                "limits.orders.per-second: expected a whole number of at least 1",
                "routes: no route with id 'ordrs' (did you mean 'orders'?)",
                "route-groups: no route is in group 'nope'");
        assertThat(call("PUT", "/admin/apps/other-key", TOKEN, app("bad-app", "s3cret")).text())
                .contains("key: 'bad-app' differs from 'other-key'");
        assertThat(call("PUT", "/admin/apps/x", TOKEN, "not json").text()).contains("body: not JSON");
        assertThat(redis.server().call("DBSIZE")).isEqualTo(0L);
    }

    @Test
    void writesWithoutTheTokenAre401AndWithoutAConfiguredToken403() throws Exception {
        RawHttp.Response none = call("PUT", "/admin/apps/shop-app", null, app("shop-app", "s3cret-none"));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("www-authenticate")).isEqualTo("Bearer realm=\"gateway-admin\"");
        assertThat(call("PUT", "/admin/apps/shop-app", "wrong-token-0123456789", app("shop-app", "s")).status())
                .isEqualTo(401);
        assertThat(call("DELETE", "/admin/apps/shop-app", null, null).status()).isEqualTo(401);
        assertThat(redis.server().call("DBSIZE")).isEqualTo(0L);

        Path yaml = dir.resolve("gateway.yml");
        Files.writeString(yaml, yaml("", "metadata:\n  source: redis", ""));
        GatewayServer noToken = Gateways.start(yaml, Map.of("REDIS", redis.uri()));
        try {
            RawHttp.Response r = call(noToken.adminPort(), "PUT", "/admin/apps/shop-app", TOKEN,
                    app("shop-app", "s3cret"));
            assertThat(r.status()).isEqualTo(403);
            assertThat(JSON.readTree(r.text()).get("error").asText()).isEqualTo("admin_token_not_configured");
        } finally {
            noToken.close();
        }
    }

    @Test
    void withSourceFileWritesAre409AndGetsShowTheFilesAppsMasked() throws Exception {
        Path yaml = dir.resolve("gateway.yml");
        Files.writeString(yaml, yaml("  token: \"${TOKEN}\"", "", """
                apps:
                  - { key: file-app, secrets: [file-s3cret-123], routes: [orders] }
                  - { key: file-app-2, secrets: [file-s3cret-456] }
                """));
        GatewayServer fileSource = Gateways.start(yaml, Map.of("REDIS", redis.uri(), "TOKEN", TOKEN));
        try {
            int admin = fileSource.adminPort();
            RawHttp.Response put = call(admin, "PUT", "/admin/apps/new-app", TOKEN, app("new-app", "s3cret"));
            assertThat(put.status()).isEqualTo(409);
            assertThat(JSON.readTree(put.text()).get("error").asText()).isEqualTo("apps_managed_in_file");
            assertThat(call(admin, "DELETE", "/admin/apps/file-app", TOKEN, null).status()).isEqualTo(409);
            assertThat(call(admin, "POST", "/admin/apps/_resync", TOKEN, null).status()).isEqualTo(409);

            RawHttp.Response got = call(admin, "GET", "/admin/apps/file-app", null, null);
            assertThat(got.status()).isEqualTo(200);
            assertThat(got.text()).contains("\"key\":\"file-app\"", "****23 (15 chars)").doesNotContain("file-s3cret");
            RawHttp.Response first = call(admin, "GET", "/admin/apps?limit=1", null, null);
            assertThat(JSON.readTree(first.text()).get("cursor").asText()).isEqualTo("1");
            RawHttp.Response last = call(admin, "GET", "/admin/apps?limit=1&cursor=1", null, null);
            assertThat(JSON.readTree(last.text()).get("apps").get(0).get("key").asText()).isEqualTo("file-app-2");
            assertThat(JSON.readTree(last.text()).get("cursor").isNull()).isTrue();
            assertThat(redis.server().call("DBSIZE")).isEqualTo(0L);
        } finally {
            fileSource.close();
        }
    }

    @Test
    void redisDownAnswers503WithJsonAndTheApiRecoversWithIt() throws Exception {
        redis.server().kill();
        RawHttp.Response put = call("PUT", "/admin/apps/shop-app", TOKEN, app("shop-app", "s3cret-down"));
        assertThat(put.status()).isEqualTo(503);
        assertThat(JSON.readTree(put.text()).get("error").asText()).isEqualTo("redis_unavailable");
        assertThat(call("GET", "/admin/apps/shop-app", null, null).status()).isEqualTo(503);
        assertThat(call("GET", "/admin/apps", null, null).status()).isEqualTo(503);
        assertThat(call("DELETE", "/admin/apps/shop-app", TOKEN, null).status()).isEqualTo(503);

        redis.server().start();
        Await.until(BOUND, "PUT works again", () -> {
            try {
                return call("PUT", "/admin/apps/shop-app", TOKEN, app("shop-app", "s3cret-up")).status() == 201;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void theMetadataEventsSeriesPassPromtool() throws Exception {
        assertThat(call("PUT", "/admin/apps/m-app", TOKEN, app("m-app", "s3cret-m")).status()).isEqualTo(201);
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        String text = r.text();
        assertThat(text).contains("gateway_metadata_events_total{type=\"changed\"}",
                "gateway_metadata_events_total{type=\"resync\"}");
        Promtool.assertClean(text, dir);
    }
}
