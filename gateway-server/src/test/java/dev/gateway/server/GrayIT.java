package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.server.reload.ReloadResult;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Gray routing through a running gateway to two real upstreams (the X-Upstream response header names the one that
 * answered): a sticky share that grows by reload, app tags on signed requests, the variant in metrics and access log.
 */
class GrayIT {
    static TestUpstream stable;
    static TestUpstream canary;
    static GatewayServer gateway;
    static Path file;
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        stable = TestUpstream.echo("stable");
        canary = TestUpstream.echo("canary");
        file = Files.createTempDirectory("gw-gray").resolve("gateway.yml");
        write(10);
        gateway = Gateways.start(file, Map.of("STABLE", stable.url(), "CANARY", canary.url()));
    }

    /** The configuration with the orders route's share at {@code percent}. */
    static void write(int percent) throws Exception {
        Files.writeString(file, Gateways.yaml("", """
                upstreams:
                  orders: { targets: ["${STABLE}"] }
                  orders-canary: { targets: ["${CANARY}"] }
                apps:
                  - key: beta-app
                    secrets: [beta-secret]
                    routes: [tagged]
                    gray-tags: [beta]
                  - key: plain-app
                    secrets: [plain-secret]
                    routes: [tagged]
                routes:
                  - id: orders
                    paths: [/orders/**]
                    upstream: orders
                    filters:
                      gray:
                        upstream: orders-canary
                        rules:
                          - header: X-Device-Id
                            values: [d-1001]
                          - percent: %d
                            by: header:X-User-Id
                            missing: stable
                        response-header: X-Gray-Variant
                  - id: tagged
                    paths: [/tagged/**]
                    upstream: orders
                    filters:
                      hmac-auth: { required-headers: [x-date, request-line] }
                      gray:
                        upstream: orders-canary
                        rules:
                          - app-tag: beta
                  - id: plain
                    paths: [/plain/**]
                    upstream: orders
                """.formatted(percent)));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        stable.close();
        canary.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    private static RawHttp.Response get(String target, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    private static String servedBy(RawHttp.Response r) {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-gray-variant")).isEqualTo(r.header("x-upstream").equals("canary") ? "canary"
                : "stable");
        return r.header("x-upstream");
    }

    /** The users of {@code users} served by the canary, asked over one keep-alive connection. */
    private static Set<String> canaryUsers(int users) throws Exception {
        Set<String> out = new HashSet<>();
        try (RawHttp c = new RawHttp(gateway.port())) {
            for (int i = 0; i < users; i++) {
                String user = "user-" + i;
                c.send("GET /orders/1 HTTP/1.1\r\nHost: x\r\nX-User-Id: " + user + "\r\n\r\n");
                if (servedBy(c.read()).equals("canary")) {
                    out.add(user);
                }
            }
        }
        return out;
    }

    private static void reloadTo(int percent) throws Exception {
        write(percent);
        ReloadResult r = gateway.reloader().reload("test").join();
        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
    }

    static String accessLine(String requestId) {
        return Await.value(Duration.ofSeconds(5), "the access-log line of " + requestId,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("request_id=" + requestId + " ")).findFirst().orElse(null));
    }

    /** The only test that reloads: the others run on whatever share is in force. */
    @Test
    void raisingTheShareByReloadOnlyMovesUsersFromStableToCanary() throws Exception {
        try {
            Set<String> at10 = canaryUsers(400);
            assertThat(canaryUsers(400)).as("sticky").isEqualTo(at10);
            reloadTo(30);
            Set<String> at30 = canaryUsers(400);
            reloadTo(50);
            Set<String> at50 = canaryUsers(400);
            assertThat(at30).containsAll(at10);
            assertThat(at50).containsAll(at30);
            assertThat(at10.size()).isBetween(15, 70);
            assertThat(at30.size()).isBetween(85, 155);
            assertThat(at50.size()).isBetween(160, 240);
            reloadTo(30);
            assertThat(canaryUsers(400)).as("lowering moves exactly the newer ones back").isEqualTo(at30);
        } finally {
            reloadTo(10);
        }
    }

    @Test
    void listedDeviceGoesToCanaryAndMissingKeyToStable() throws Exception {
        assertThat(servedBy(get("/orders/1", "X-Device-Id: d-1001"))).isEqualTo("canary");
        for (int i = 0; i < 20; i++) {
            assertThat(servedBy(get("/orders/1"))).isEqualTo("stable");
        }
    }

    static RawHttp.Response signedGet(String app, String secret, String target, String requestId) throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", target, "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, secret.getBytes(StandardCharsets.UTF_8), signing);
        return get(target, "X-Date: " + date, "X-Request-Id: " + requestId,
                "Authorization: hmac username=\"" + app + "\", algorithm=\"hmac-sha256\", "
                        + "headers=\"x-date request-line\", signature=\"" + sig + "\"");
    }

    @Test
    void signedAppWithTheTagGoesToCanary() throws Exception {
        RawHttp.Response beta = signedGet("beta-app", "beta-secret", "/tagged/1", "gray-beta");
        RawHttp.Response plain = signedGet("plain-app", "plain-secret", "/tagged/1", "gray-plain");
        assertThat(beta.status()).isEqualTo(200);
        assertThat(beta.header("x-upstream")).isEqualTo("canary");
        assertThat(plain.header("x-upstream")).isEqualTo("stable");
        assertThat(accessLine("gray-beta")).contains(" route=tagged ", " variant=canary ", " app=beta-app ");
        assertThat(accessLine("gray-plain")).contains(" route=tagged ", " variant=stable ", " app=plain-app ");
    }

    @Test
    void variantShowsInMetricsAndAccessLog() throws Exception {
        assertThat(get("/orders/1", "X-Device-Id: d-1001", "X-Request-Id: gray-m1").status()).isEqualTo(200);
        assertThat(get("/orders/1", "X-Request-Id: gray-m2").status()).isEqualTo(200);
        assertThat(get("/plain/1", "X-Request-Id: gray-m3").status()).isEqualTo(200);
        assertThat(accessLine("gray-m1")).contains(" variant=canary ", " upstream=" + canary.url());
        assertThat(accessLine("gray-m2")).contains(" variant=stable ", " upstream=" + stable.url());
        assertThat(accessLine("gray-m3")).contains(" variant=- ");
        List<String> want = List.of(
                "gateway_requests_seconds_count{method=\"GET\",route=\"orders\",status=\"2xx\",variant=\"canary\"}",
                "gateway_requests_seconds_count{method=\"GET\",route=\"orders\",status=\"2xx\",variant=\"stable\"}",
                "gateway_requests_seconds_count{method=\"GET\",route=\"plain\",status=\"2xx\",variant=\"default\"}");
        String metrics = Await.value(Duration.ofSeconds(5), "the variants' series", () -> {
            try {
                String t = RawHttp.exchange(gateway.adminPort(),
                        "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").text();
                return want.stream().allMatch(t::contains) ? t : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(metrics).doesNotContain("route=\"plain\",status=\"2xx\",variant=\"stable\"");
        assertThat(metrics).doesNotContain("route=\"orders\",status=\"2xx\",variant=\"default\"");
    }
}
