package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.WebSocketClient;
import dev.gateway.server.support.WebSocketUpstream;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * WebSocket pass-through with a real WebSocket upstream and client (Netty's codecs): the handshake runs the route's
 * filters and is forwarded with its Upgrade headers, frames pass both ways after the 101, either side can close,
 * the idle timeout closes both, a slow reader stops the gateway reading from the upstream, refusals pass through,
 * and routes without {@code websocket: true} strip the upgrade as before.
 */
class WebSocketIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();
    static WebSocketUpstream upstream;
    /**
     * The plain route's own upstream: the keep-alive connection its answer leaves in a pool must not count among the
     * connections the WebSocket tests expect to find none of.
     */
    static WebSocketUpstream plainUpstream;
    static GatewayServer gateway;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        upstream = WebSocketUpstream.start();
        plainUpstream = WebSocketUpstream.start();
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  ws: { targets: ["${U}"] }
                  plain: { targets: ["${P}"] }
                apps:
                  - key: chat-app
                    secrets: [s3cret]
                    routes: [signed]
                routes:
                  - id: ws
                    paths: [/ws/**]
                    upstream: ws
                    websocket: true
                  - id: idle
                    paths: [/idle/**]
                    upstream: ws
                    websocket: true
                    websocket-idle-timeout: 1s
                  - id: signed
                    paths: [/signed/**]
                    upstream: ws
                    websocket: true
                    filters:
                      hmac-auth: {}
                  - id: plain
                    paths: [/plain/**]
                    upstream: plain
                """), Map.of("U", upstream.url(), "P", plainUpstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        plainUpstream.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    static String accessLine(String requestId, String containing) {
        return Await.value(WAIT, "the access-log line of " + requestId + " with " + containing,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.startsWith("request_id=" + requestId + " ") && l.contains(containing))
                        .findFirst().orElse(null));
    }

    static HttpHeaders requestId(String id) {
        return new DefaultHttpHeaders().add("X-Request-Id", id);
    }

    static double activeWebSockets() {
        return gateway.metrics().registry().get("gateway.websocket.connections.active").gauge().value();
    }

    static int pooledToUpstream() {
        return gateway.upstreamClient().pools().stream()
                .filter(p -> p.endpoint().address().getPort() == upstream.port())
                .mapToInt(ConnectionPool::open).sum();
    }

    // ----- relaying

    @Test
    void textAndBinaryFramesAreEchoedThroughTheGateway() throws Exception {
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/ws/echo")) {
            c.sendText("héllo");
            assertThat(c.next(WAIT)).extracting(WebSocketClient.Frame::type, WebSocketClient.Frame::text)
                    .containsExactly("text", "héllo");
            byte[] data = new byte[70_000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 31);
            }
            c.sendBinary(data);
            WebSocketClient.Frame f = c.next(WAIT);
            assertThat(f.type()).isEqualTo("binary");
            assertThat(f.data()).isEqualTo(data);
        }
    }

    @Test
    void handshakeIsForwardedWithItsUpgradeHeadersAndAnswered101WithTheUpstreamsAccept() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.port())) {
            raw.send("GET /ws/raw HTTP/1.1\r\nHost: gw\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "X-Request-Id: ws-raw-1\r\n\r\n");
            String head = readHead(raw.input());
            assertThat(head).startsWith("HTTP/1.1 101 ");
            assertThat(head.toLowerCase()).contains("upgrade: websocket\r\n", "connection: upgrade\r\n",
                    "sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n", "x-request-id: ws-raw-1\r\n");
        }
        HttpHeaders seen = upstream.requests().get(upstream.requests().size() - 1);
        assertThat(seen.get("upgrade")).isEqualTo("WebSocket");
        assertThat(seen.get("connection")).isEqualToIgnoringCase("upgrade");
        assertThat(seen.get("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
        assertThat(seen.get("x-forwarded-for")).isEqualTo("127.0.0.1");
    }

    @Test
    void aFrameTheClientSendsWithTheHandshakeIsRelayedAfterThe101() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.port())) {
            byte[] handshake = ("GET /ws/eager HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            byte[] frame = maskedTextFrame("early\r\n\r\nGET / HTTP/1.1\r\n\r\n");
            raw.send(ByteBuffer.allocate(handshake.length + frame.length).put(handshake).put(frame).array());
            assertThat(readHead(raw.input())).startsWith("HTTP/1.1 101 ");
            String echoed = "early\r\n\r\nGET / HTTP/1.1\r\n\r\n";
            byte[] expected = ByteBuffer.allocate(2 + echoed.length()).put((byte) 0x81).put((byte) echoed.length())
                    .put(echoed.getBytes(StandardCharsets.ISO_8859_1)).array();
            assertThat(raw.input().readNBytes(expected.length)).isEqualTo(expected);
        }
    }

    @Test
    void aFrameTheUpstreamSendsRightAfterThe101ReachesTheClient() throws Exception {
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/ws/greet")) {
            assertThat(c.next(WAIT).text()).isEqualTo("hello");
            c.sendText("after");
            assertThat(c.next(WAIT).text()).isEqualTo("after");
        }
    }

    // ----- closing, the gauge, the close line, the pool

    @Test
    void clientCloseClosesBothSidesAndLogsBytesEachWay() throws Exception {
        WebSocketClient c = WebSocketClient.connect(gateway.port(), "/ws/bye", requestId("ws-close-client"));
        Channel upstreamSide = upstream.lastWebSocket();
        Await.until(WAIT, "the gauge counts the relay", () -> activeWebSockets() >= 1);
        assertThat(pooledToUpstream()).as("the relay's upstream connection is not the pool's").isZero();
        c.sendText("12345");
        assertThat(c.next(WAIT).text()).isEqualTo("12345");

        c.sendClose(1000, "done");

        assertThat(c.next(WAIT)).extracting(WebSocketClient.Frame::type, WebSocketClient.Frame::closeStatus)
                .containsExactly("close", 1000);
        assertThat(c.awaitClosed(WAIT)).as("client connection closed").isTrue();
        Await.until(WAIT, "the upstream connection closes", () -> !upstreamSide.isActive());
        Await.until(WAIT, "the gauge drops", () -> activeWebSockets() == 0);
        assertThat(accessLine("ws-close-client", " status=101 ")).contains(" route=ws ", " method=GET ");
        String close = accessLine("ws-close-client", "event=websocket_close");
        // Client frames are masked (+4 bytes): text "12345" = 2+4+5, close 1000 "done" = 2+4+6; the upstream's
        // text echo = 2+5 and its close 1000 "done" = 2+6.
        assertThat(close).contains(" route=ws ", " path=/ws/bye ", " bytes_client_to_upstream=23 ",
                " bytes_upstream_to_client=15").containsPattern(" closed_by=(client|upstream) ")
                .containsPattern(" duration_ms=\\d+\\.\\d{3} ");
        assertThat(pooledToUpstream()).as("nothing went back to the pool").isZero();
    }

    @Test
    void upstreamCloseReachesTheClient() throws Exception {
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/ws/x", requestId("ws-close-upstream"))) {
            c.sendText("close");
            WebSocketClient.Frame f = c.next(WAIT);
            assertThat(f.type()).isEqualTo("close");
            assertThat(f.closeStatus()).isEqualTo(1000);
            assertThat(c.awaitClosed(WAIT)).as("client connection closed by the gateway").isTrue();
        }
        assertThat(accessLine("ws-close-upstream", "event=websocket_close")).contains(" closed_by=upstream ");
    }

    @Test
    void idleTimeoutClosesBothSides() throws Exception {
        Channel upstreamSide;
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/idle/x", requestId("ws-idle"))) {
            upstreamSide = upstream.lastWebSocket();
            c.sendText("ping");
            assertThat(c.next(WAIT).text()).isEqualTo("ping");

            assertThat(c.awaitClosed(WAIT)).as("closed after websocket-idle-timeout: 1s").isTrue();
        }
        Await.until(WAIT, "the upstream connection closes", () -> !upstreamSide.isActive());
        assertThat(accessLine("ws-idle", "event=websocket_close")).contains(" closed_by=idle ");
    }

    // ----- back-pressure

    @Test
    void aSlowReaderStopsTheGatewayReadingFromTheUpstreamThenEverythingArrivesInOrder() throws Exception {
        int frames = 1024;
        int size = 64 * 1024; // 64 MiB in all: far more than the sockets' buffers on both hops
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/ws/push")) {
            c.channel().config().setAutoRead(false);
            c.sendText("push:" + frames + ":" + size);

            Await.until(Duration.ofSeconds(30), "the upstream cannot write any more",
                    () -> upstream.pusher() != null && upstream.pusher().isBlocked());
            assertThat(upstream.pusher().sent()).as("frames the upstream got rid of while the client read nothing")
                    .isLessThan(frames);

            c.channel().config().setAutoRead(true);
            for (int i = 0; i < frames; i++) {
                WebSocketClient.Frame f = c.next(Duration.ofSeconds(30));
                assertThat(f.data()).hasSize(size);
                assertThat(ByteBuffer.wrap(f.data()).getInt()).as("frame number").isEqualTo(i);
            }
        }
    }

    // ----- filters and refusals

    @Test
    void signedHandshakeOnAnHmacRoutePasses() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", "/signed/chat", "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, "s3cret".getBytes(StandardCharsets.UTF_8), signing);
        HttpHeaders h = new DefaultHttpHeaders().add("X-Date", date).add("Authorization", "hmac username=\"chat-app\", "
                + "algorithm=\"hmac-sha256\", headers=\"x-date request-line\", signature=\"" + sig + "\"");
        try (WebSocketClient c = WebSocketClient.connect(gateway.port(), "/signed/chat", h)) {
            c.sendText("signed");
            assertThat(c.next(WAIT).text()).isEqualTo("signed");
        }
        assertThat(upstream.requests().get(upstream.requests().size() - 1).get("x-app-key")).isEqualTo("chat-app");
    }

    @Test
    void unsignedHandshakeOnAnHmacRouteGets401AndNeverReachesTheUpstream() throws Exception {
        int before = upstream.requests().size();
        try (RawHttp raw = new RawHttp(gateway.port())) {
            RawHttp.Response r = raw.send(handshake("/signed/chat")).read();
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.text()).contains("\"error\":\"missing_credentials\"");
            assertThat(r.header("upgrade")).isNull();
            assertThat(raw.isClosedByPeer()).as("a refused handshake closes the connection").isTrue();
        }
        assertThat(upstream.requests()).hasSize(before);
    }

    @Test
    void upstreamRefusalIsPassedThroughWithItsStatusAndBody() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.port())) {
            RawHttp.Response r = raw.send(handshake("/ws/refuse")).read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.text()).isEqualTo("no websockets here");
            assertThat(r.header("upgrade")).isNull();
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(raw.isClosedByPeer()).isTrue();
        }
        // The gateway closes it after the response, on its loop: the client may see the response first.
        Await.until(WAIT, "the refused handshake's connection to be closed, not pooled", () -> pooledToUpstream() == 0);
    }

    @Test
    void routeWithoutWebsocketAnswersAPlainResponseAndTheUpstreamSeesNoUpgrade() throws Exception {
        try (RawHttp raw = new RawHttp(gateway.port())) {
            RawHttp.Response r = raw.send(handshake("/plain/x")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("plain");
            assertThat(r.header("upgrade")).isNull();
            assertThat(r.header("connection")).isNull(); // still keep-alive
        }
        HttpHeaders seen = plainUpstream.requests().get(plainUpstream.requests().size() - 1);
        assertThat(plainUpstream.paths().get(plainUpstream.paths().size() - 1)).isEqualTo("/plain/x");
        assertThat(seen.contains("upgrade")).isFalse();
        assertThat(seen.contains("connection")).isFalse();
        assertThat(seen.get("sec-websocket-key")).isEqualTo("dGhlIHNhbXBsZSBub25jZQ==");
    }

    // ----- drain (the real jar)

    @Test
    void openRelaysAreClosedAtTheDrainTimeoutAndTheProcessExitsZero() throws Exception {
        try (GatewayProcess g = GatewayProcess.startYaml(dir, "drain-timeout: 1s", """
                upstreams:
                  ws: { targets: ["%s"] }
                routes:
                  - id: ws
                    paths: [/ws/**]
                    upstream: ws
                    websocket: true
                """.formatted(upstream.url()));
                WebSocketClient c = WebSocketClient.connect(g.proxyPort(), "/ws/drain")) {
            c.sendText("before");
            assertThat(c.next(WAIT).text()).isEqualTo("before");

            g.destroy();
            Await.until(WAIT, "/health/ready answers 503", () -> g.readyStatus() == 503);
            c.sendText("while draining");
            assertThat(c.next(WAIT).text()).as("the relay works until the drain timeout").isEqualTo("while draining");

            assertThat(c.awaitClosed(WAIT)).as("closed at the drain timeout").isTrue();
            assertThat(g.awaitExit(WAIT)).as("exit code").isEqualTo(0);
            assertThat(g.output()).doesNotContain("LEAK:");
        }
    }

    // ----- helpers

    private static String handshake(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    }

    /** A client text frame (masked, as RFC 6455 requires of clients) with a payload under 126 bytes. */
    private static byte[] maskedTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        ByteBuffer b = ByteBuffer.allocate(6 + payload.length).put((byte) 0x81).put((byte) (0x80 | payload.length))
                .put(mask);
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ mask[i % 4]));
        }
        return b.array();
    }

    /** The response head up to and including its empty line, read byte by byte (nothing of what follows). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            out.write(b);
            byte[] a = out.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                break;
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
