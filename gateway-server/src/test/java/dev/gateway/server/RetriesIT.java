package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Routes with {@code retries:} against real upstreams: where a retry goes, when it is refused, and what it costs. */
class RetriesIT {
    static TestUpstream echo;
    static TestUpstream unavailable;
    static TestUpstream flaky;
    static TestUpstream midReset;
    static TestUpstream alone503;
    /** Always 503, for the upstreams with outlier detection. */
    static TestUpstream failing;
    static GatewayServer gateway;
    static int deadPort;
    /** Requests flaky has answered by closing the connection (every other one, from the first). */
    static final AtomicInteger flakyCalls = new AtomicInteger();
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        echo = TestUpstream.echo("echo");
        unavailable = TestUpstream.start("unavailable", (ctx, r, up) -> up.sendText(ctx, r, 503, "{\"busy\":1}"));
        alone503 = TestUpstream.start("alone503", (ctx, r, up) -> up.sendText(ctx, r, 503, "{\"busy\":2}"));
        failing = TestUpstream.start("failing", (ctx, r, up) -> up.sendText(ctx, r, 503, "{\"busy\":3}"));
        // Odd calls: close without a response (a reset before any response byte); even calls: echo.
        flaky = TestUpstream.start("flaky", (ctx, r, up) -> {
            if (flakyCalls.incrementAndGet() % 2 == 1) {
                ctx.close();
            } else {
                TestUpstream.echoBehavior("flaky").respond(ctx, r, up);
            }
        });
        // A head and part of the body, then the connection closes (raw bytes, past the test server's encoder).
        midReset = TestUpstream.start("midreset", (ctx, r, up) -> {
            ctx.pipeline().firstContext().writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer(
                    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", StandardCharsets.US_ASCII))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        });
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  dead-and-echo: { targets: ["${DEAD}", "${ECHO}"] }
                  busy-and-echo: { targets: ["${UNAVAILABLE}", "${ECHO}"] }
                  alone503: { targets: ["${ALONE503}"] }
                  flaky: { targets: ["${FLAKY}"] }
                  midreset: { targets: ["${MIDRESET}"] }
                  ejecting:
                    targets: ["${FAILING}", "${ECHO}"]
                    outlier-detection: {consecutive-failures: 3, base-ejection: 60s, max-ejected: 50%}
                  lonely:
                    targets: ["${FAILING}"]
                    outlier-detection: {consecutive-failures: 1, base-ejection: 60s, max-ejected: 100%}
                    fallback: {status: 200, body: 'from the fallback'}
                routes:
                  - id: connect
                    paths: [/connect/**]
                    upstream: dead-and-echo
                    retries: {attempts: 2, on: [connect-failure], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                  - id: busy
                    paths: [/busy/**]
                    upstream: busy-and-echo
                    retries: {attempts: 2, on: [503], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                  - id: post-default
                    paths: [/post-default/**]
                    upstream: alone503
                    retries: {attempts: 2, on: [503], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                  - id: post-opt-in
                    paths: [/post-opt-in/**]
                    upstream: alone503
                    retries: {attempts: 2, on: [503], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}, non-idempotent: true}
                  - id: no-budget
                    paths: [/no-budget/**]
                    upstream: alone503
                    retries: {attempts: 3, on: [503], budget: {ratio: 0%, min-per-second: 0}}
                  - id: flaky
                    paths: [/flaky/**]
                    upstream: flaky
                    retries: {attempts: 2, on: [reset-before-response], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                  - id: midreset
                    paths: [/midreset/**]
                    upstream: midreset
                    retries: {attempts: 3, on: [connect-failure, reset-before-response, 502, 503, 504], budget: {ratio: 100%, min-per-second: 100}}
                  - id: ejecting
                    paths: [/ejecting/**]
                    upstream: ejecting
                    retries: {attempts: 2, on: [503], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                  - id: lonely
                    paths: [/lonely/**]
                    upstream: lonely
                    retries: {attempts: 3, on: [503], backoff: {base: 1ms, max: 5ms}, budget: {ratio: 100%, min-per-second: 100}}
                """), Map.of("DEAD", "http://127.0.0.1:" + deadPort, "ECHO", echo.url(),
                "UNAVAILABLE", unavailable.url(), "ALONE503", alone503.url(), "FLAKY", flaky.url(),
                "MIDRESET", midReset.url(), "FAILING", failing.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        for (TestUpstream u : List.of(echo, unavailable, alone503, failing, flaky, midReset)) {
            u.close();
        }
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    @BeforeEach
    void reset() {
        flakyCalls.set(0);
        for (TestUpstream u : List.of(echo, unavailable, alone503, failing, flaky, midReset)) {
            u.received().clear();
        }
    }

    private static RawHttp.Response send(String method, String path, byte[] body) throws Exception {
        String head = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n";
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(head.getBytes(StandardCharsets.US_ASCII));
            if (body != null) {
                c.send(body);
            }
            return c.read();
        }
    }

    private static RawHttp.Response get(String path) throws Exception {
        return send("GET", path, null);
    }

    /** The value of the counter {@code name} with these tags on /metrics, 0 when absent. */
    private static double counter(String name, String... tags) throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        for (String line : r.text().split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            boolean all = true;
            for (String t : tags) {
                all &= line.contains(t);
            }
            if (all) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static String accessLine(String path) {
        return Await.value(Duration.ofSeconds(5), "access log line of " + path, () -> access.list.stream()
                .map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains(" path=" + path + " "))
                .findFirst().orElse(null));
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aRefusedConnectionIsRetriedOnTheOtherTarget() throws Exception {
        double before = counter("gateway_upstream_retries_total", "route=\"connect\"", "reason=\"connect-failure\"");
        for (int i = 0; i < 6; i++) {
            RawHttp.Response r = get("/connect/" + i);
            assertThat(r.status()).as("request %s", i).isEqualTo(200);
            assertThat(r.header("x-upstream")).isEqualTo("echo");
        }
        // Round-robin sends every other first attempt to the dead target: those were retried on echo.
        double retried = counter("gateway_upstream_retries_total", "route=\"connect\"", "reason=\"connect-failure\"")
                - before;
        assertThat(retried).isEqualTo(3);
        assertThat(echo.received()).hasSize(6);
        long logged = java.util.stream.IntStream.range(0, 6).mapToObj(i -> accessLine("/connect/" + i))
                .filter(l -> l.contains(" attempts=2")).count();
        assertThat(logged).isEqualTo(3);
    }

    @Test
    void a503IsDroppedAndRetriedOnTheOtherTarget() throws Exception {
        for (int i = 0; i < 4; i++) {
            RawHttp.Response r = get("/busy/" + i);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).doesNotContain("\"busy\"");
        }
        assertThat(unavailable.received()).hasSize(2);
        assertThat(echo.received()).hasSize(4);
        assertThat(counter("gateway_upstream_retries_total", "route=\"busy\"", "reason=\"503\"")).isEqualTo(2);
        // The dropped 503s were drained: their connections went back to the pool and were used again.
        assertThat(unavailable.connections()).isEqualTo(1);
    }

    @Test
    void aPostIsNotRetriedUnlessTheRouteOptsIn() throws Exception {
        byte[] body = "{\"order\":42}".getBytes(StandardCharsets.UTF_8);
        RawHttp.Response r = send("POST", "/post-default/x", body);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.text()).contains("busy");
        assertThat(alone503.received()).hasSize(1);

        alone503.received().clear();
        RawHttp.Response opted = send("POST", "/post-opt-in/x", body);
        assertThat(opted.status()).isEqualTo(503);
        assertThat(alone503.received()).hasSize(2);
        assertThat(alone503.received()).allSatisfy(rec -> {
            assertThat(rec.bodyBytes()).isEqualTo(body.length);
            assertThat(rec.bodySha256()).isEqualTo(sha256(body));
        });
        assertThat(accessLine("/post-opt-in/x")).contains(" attempts=2").contains(" status=503");
    }

    @Test
    void aSpentBudgetFailsWithTheOriginalErrorAndIsCounted() throws Exception {
        double before = counter("gateway_retry_budget_exhausted_total", "route=\"no-budget\"");
        RawHttp.Response r = get("/no-budget/x");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.text()).contains("busy");
        assertThat(alone503.received()).hasSize(1);
        assertThat(counter("gateway_retry_budget_exhausted_total", "route=\"no-budget\"") - before).isEqualTo(1);
        assertThat(counter("gateway_upstream_retries_total", "route=\"no-budget\"")).isZero();
    }

    @Test
    void aSmallBodyIsKeptAndSentAgainAfterAReset() throws Exception {
        byte[] body = new byte[10_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        RawHttp.Response r = send("PUT", "/flaky/small", body);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("\"body_bytes\":10000");
        assertThat(flaky.received()).hasSize(2);
        assertThat(flaky.received()).allSatisfy(rec -> assertThat(rec.bodySha256()).isEqualTo(sha256(body)));
        assertThat(counter("gateway_upstream_retries_total", "route=\"flaky\"", "reason=\"reset-before-response\""))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aBodyTooBigToKeepIsNotSentTwice() throws Exception {
        byte[] body = new byte[200_000];
        RawHttp.Response r = send("PUT", "/flaky/big", body);
        assertThat(r.status()).isEqualTo(502);
        assertThat(flaky.received()).hasSize(1);
        assertThat(flaky.received().get(0).bodyBytes()).isEqualTo(body.length);
    }

    @Test
    void noRetryOnceAResponseByteWentToTheClient() throws Exception {
        RawHttp.Response r = get("/midreset/x");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.complete()).isFalse();
        assertThat(midReset.received()).hasSize(1);
        assertThat(accessLine("/midreset/x")).doesNotContain("attempts=");
    }

    @Test
    void aRetried503CountsOnceTowardEjectionAndTheEjectedTargetGetsNothing() throws Exception {
        // Each 503 is reported to the target's health once, at its head, although it is then dropped and retried:
        // consecutive-failures: 3 takes exactly three requests to the failing target (two if counted twice).
        for (int i = 0; i < 12; i++) {
            RawHttp.Response r = get("/ejecting/" + i);
            assertThat(r.status()).as("request %d: the retry hides the 503", i).isEqualTo(200);
            assertThat(r.header("x-upstream")).isEqualTo("echo");
        }
        assertThat(failing.received()).as("attempts on the failing target before its ejection").hasSize(3);
        assertThat(echo.received()).as("the retries and, once it was ejected, every first attempt").hasSize(12);
    }

    @Test
    void aRetryThatFindsNoTargetGoesToTheFallback() throws Exception {
        // The only target answers 503 and is ejected by it (consecutive-failures: 1): the retry finds no target,
        // so the upstream's fixed fallback answers; the dropped 503 was drained and its buffers released.
        RawHttp.Response r = get("/lonely/x");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("from the fallback");
        assertThat(failing.received()).hasSize(1);
        RawHttp.Response again = get("/lonely/y");
        assertThat(again.text()).as("ejected: straight to the fallback").isEqualTo("from the fallback");
        assertThat(failing.received()).hasSize(1);
    }
}
