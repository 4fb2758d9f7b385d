package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.metrics.GatewayMeters;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Mock routes through a running gateway with one event loop: no upstream at all. */
class MockIT {
    static final long DELAY_MS = 1500;
    static GatewayServer gateway;
    static byte[] pixel;
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        try (InputStream in = MockIT.class.getResourceAsStream("/mock/pixel.bin")) {
            pixel = in.readAllBytes();
        }
        Path dir = Files.createTempDirectory("gw-mock");
        Files.createDirectories(dir.resolve("mocks"));
        Files.write(dir.resolve("mocks/pixel.bin"), pixel);
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, Gateways.yaml("io-threads: 1", """
                apps:
                  - key: shop-app
                    secrets: [s3cret]
                    routes: [signed-mock]
                routes:
                  - id: coupons-mock
                    paths: [/coupons/**]
                    mock:
                      status: 201
                      headers: {Content-Type: application/json, X-Mock: "yes"}
                      body: '{"coupon":"TEST","request":"${request_id}","path":"${path}","q":"${query.code}","h":"${header.X-Note}","app":"${app}"}'
                  - id: text-mock
                    paths: [/text/**]
                    mock:
                      headers: {Content-Type: text/plain}
                      body: 'q=${query.code} h=${header.X-Note}'
                  - id: pixel
                    paths: [/pixel]
                    mock:
                      headers: {Content-Type: image/png}
                      body-file: mocks/pixel.bin
                  - id: slow
                    paths: [/slow]
                    mock: { status: 200, body: slow, delay: %dms }
                  - id: fast
                    paths: [/fast]
                    mock: { body: fast }
                  - id: signed-mock
                    paths: [/signed/**]
                    mock:
                      headers: {Content-Type: application/json}
                      body: '{"app":"${app}"}'
                    filters:
                      hmac-auth: { required-headers: [x-date, request-line] }
                """.formatted(DELAY_MS)));
        gateway = Gateways.start(file, Map.of());
    }

    @AfterAll
    static void stop() {
        gateway.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    private static RawHttp.Response get(String target, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    static String accessLine(String requestId) {
        return Await.value(Duration.ofSeconds(5), "the access-log line of " + requestId,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("request_id=" + requestId + " ")).findFirst().orElse(null));
    }

    @Test
    void answersWithStatusHeadersAndJsonEscapedSubstitutions() throws Exception {
        RawHttp.Response r = get("/coupons/a%20b?code=x%22y%5C&other=1", "X-Request-Id: mock-1",
                "X-Note: say \"hi\"");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("x-mock")).isEqualTo("yes");
        assertThat(r.header("x-request-id")).isEqualTo("mock-1");
        assertThat(r.text()).isEqualTo("{\"coupon\":\"TEST\",\"request\":\"mock-1\",\"path\":\"/coupons/a%20b\","
                + "\"q\":\"x\\\"y\\\\\",\"h\":\"say \\\"hi\\\"\",\"app\":\"\"}");
    }

    @Test
    void textBodiesAreNotEscaped() throws Exception {
        RawHttp.Response r = get("/text/1?code=a%22b", "X-Note: \"n\"");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("q=a\"b h=\"n\"");
    }

    @Test
    void binaryBodyFileIsSentByteForByte() throws Exception {
        RawHttp.Response r = get("/pixel");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("image/png");
        assertThat(r.body()).isEqualTo(pixel); // ${path} inside a binary file stays as it is
    }

    @Test
    void delayDoesNotHoldUpOtherRequestsOnTheSameLoop() throws Exception {
        var active = gateway.metrics().registry().find(GatewayMeters.REQUESTS_ACTIVE).gauge();
        try (RawHttp slow = new RawHttp(gateway.port())) {
            long sent = System.nanoTime();
            slow.send("GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Await.until(Duration.ofSeconds(5), "the slow request in flight", () -> active.value() >= 1);
            // The only event loop is inside the slow request's delay: another connection is still answered.
            RawHttp.Response fast = get("/fast");
            assertThat(fast.text()).isEqualTo("fast");
            assertThat(slow.input().available()).as("the slow response is not out yet").isZero();
            assertThat(System.nanoTime() - sent).isLessThan(Duration.ofMillis(DELAY_MS).toNanos());
            String rest = new String(slow.input().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(rest).startsWith("HTTP/1.1 200").endsWith("slow");
            assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(Duration.ofMillis(DELAY_MS).toNanos());
        }
    }

    @Test
    void mockedRouteRunsItsFiltersFirst() throws Exception {
        RawHttp.Response unsigned = get("/signed/x");
        assertThat(unsigned.status()).isEqualTo(401);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", "/signed/x", "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, "s3cret".getBytes(StandardCharsets.UTF_8),
                signing);
        RawHttp.Response signed = get("/signed/x", "X-Date: " + date, "X-Request-Id: mock-signed",
                "Authorization: hmac username=\"shop-app\", algorithm=\"hmac-sha256\", "
                        + "headers=\"x-date request-line\", signature=\"" + sig + "\"");
        assertThat(signed.status()).isEqualTo(200);
        assertThat(signed.text()).isEqualTo("{\"app\":\"shop-app\"}");
        assertThat(accessLine("mock-signed")).contains(" route=signed-mock ", " app=shop-app ", " upstream=mock ",
                " status=200 ");
    }

    @Test
    void accessLogAndMetricsShowTheMock() throws Exception {
        assertThat(get("/fast", "X-Request-Id: mock-log").status()).isEqualTo(200);
        assertThat(accessLine("mock-log")).contains(" route=fast ", " upstream=mock ");
        assertThat(accessLine("mock-log")).endsWith(" upstream_ms=-");
        String want = "gateway_requests_seconds_count{method=\"GET\",route=\"fast\",status=\"2xx\","
                + "variant=\"default\"}";
        String metrics = Await.value(Duration.ofSeconds(5), "the fast route's request count", () -> {
            try {
                String t = RawHttp.exchange(gateway.adminPort(),
                        "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").text();
                return t.contains(want) ? t : null;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(metrics).contains(want);
    }
}
