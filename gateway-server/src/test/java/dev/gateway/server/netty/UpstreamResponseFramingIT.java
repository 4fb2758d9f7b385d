package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstream responses as raw bytes (written below the test upstream's HTTP encoder): chunked bodies with trailers,
 * close-delimited bodies, interim responses, invalid heads, heads and chunks split across many TCP writes, and
 * responses to HEAD, each checked on the bytes the client receives through a real gateway; also upstream connection
 * reuse after such responses and what happens when the upstream breaks off or answers invalidly.
 */
class UpstreamResponseFramingIT {
    static TestUpstream raw;
    static TestUpstream reuse;
    static TestUpstream untilClose;
    static TestUpstream head;
    static TestUpstream retry;
    static GatewayServer gateway;
    static int port;

    private static final String CLOSE_BODY = pattern(200_000);
    private static final String BIG_BODY = pattern(400_000);
    /** The upstream side of the "until-close-reset" exchange, for the test to reset. */
    static volatile Channel resettable;

    @BeforeAll
    static void start() throws Exception {
        raw = TestUpstream.start("raw", UpstreamResponseFramingIT::respond);
        reuse = TestUpstream.start("reuse", UpstreamResponseFramingIT::respond);
        untilClose = TestUpstream.start("until-close", UpstreamResponseFramingIT::respond);
        head = TestUpstream.start("head", UpstreamResponseFramingIT::respond);
        retry = TestUpstream.start("retry", UpstreamResponseFramingIT::respond);
        // One I/O thread: every client connection uses the same per-loop pool, so upstream connection counts are exact.
        gateway = Gateways.start(Gateways.yaml("io-threads: 1", """
                upstreams:
                  raw: { targets: ["${RAW}"] }
                  reuse: { targets: ["${REUSE}"] }
                  until-close: { targets: ["${UNTIL_CLOSE}"] }
                  head: { targets: ["${HEAD}"] }
                  retry: { targets: ["${RETRY}"] }
                routes:
                  - { id: raw, paths: [/raw/**], upstream: raw }
                  - { id: reuse, paths: [/reuse/**], upstream: reuse }
                  - { id: until-close, paths: [/until-close/**], upstream: until-close }
                  - { id: head, paths: [/head/**], upstream: head }
                  - { id: retry, paths: [/retry/**], upstream: retry }
                """), Map.of("RAW", raw.url(), "REUSE", reuse.url(), "UNTIL_CLOSE", untilClose.url(),
                "HEAD", head.url(), "RETRY", retry.url()));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        for (TestUpstream u : List.of(raw, reuse, untilClose, head, retry)) {
            u.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The upstream side: what each request path makes the upstream send

    private static final String CHUNKED_WITH_TRAILERS = "HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/plain\r\n"
            + "Trailer: X-Checksum\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "\r\n"
            + "5\r\nhello\r\n"
            + "7;ext=1\r\n, world\r\n"
            + "0\r\n"
            + "X-Checksum: abc123\r\n"
            + "\r\n";

    private static void respond(ChannelHandlerContext ctx, TestUpstream.Received r, TestUpstream up) {
        String what = r.uri().substring(r.uri().lastIndexOf('/') + 1);
        switch (what) {
            case "chunked-trailers" -> send(ctx, false, CHUNKED_WITH_TRAILERS);
            case "chunked" -> send(ctx, false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "4\r\nabcd\r\n0\r\n\r\n");
            case "until-close" -> send(ctx, true, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + CLOSE_BODY);
            case "interim-split" -> send(ctx, false,
                    "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n",
                    "HTTP/1.1 100 Continue\r\n\r\n",
                    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal");
            case "interim-together" -> send(ctx, false,
                    "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                    + "HTTP/1.1 100 Continue\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nfinal");
            case "obs-fold" -> send(ctx, false,
                    "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 2\r\n\r\nok");
            case "differing-length" -> send(ctx, false,
                    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!");
            case "empty-length" -> send(ctx, true,
                    "HTTP/1.1 200 OK\r\nContent-Length: \r\nConnection: close\r\n\r\nok");
            case "split-head-crlf" -> send(ctx, false, byteByByte(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Split: yes\r\nContent-Length: 11\r\n\r\n",
                    "hello", " world"));
            case "split-head-lf" -> send(ctx, false, byteByByte(
                    "HTTP/1.1 200 OK\nContent-Type: text/plain\nX-Split: yes\nContent-Length: 11\n\n",
                    "hello", " world"));
            case "split-chunks" -> send(ctx, false,
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "1",
                    "0\r",
                    "\n0123456789",
                    "abcdef",
                    "\r",
                    "\n5",
                    ";ext=v",
                    "al\r\nhel",
                    "lo\r",
                    "\nA\r\n",
                    "ABCDEFGHIJ",
                    "\r\n0\r\nX-Tr",
                    "ailer: t\r",
                    "\n\r",
                    "\n");
            case "chunked-lf" -> send(ctx, false, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                    + "5\nhello\n0\nX-Checksum: abc123\n\n");
            case "until-close-reset" -> {
                resettable = ctx.channel();
                send(ctx, false, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", "partial");
            }
            case "connection-names-length" -> send(ctx, false,
                    "HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 5\r\n\r\nhello");
            case "big-chunked" -> send(ctx, false, bigChunkedResponse());
            case "ok" -> send(ctx, false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            case "resource" -> {
                if (r.method().equals("HEAD")) {
                    send(ctx, false, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1234\r\n\r\n");
                } else {
                    send(ctx, false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
                }
            }
            default -> up.sendText(ctx, r, 404, "unknown test path " + r.uri());
        }
    }

    /**
     * {@link #BIG_BODY} in small chunks of irregular sizes (1 to 24 bytes): size lines and CRLFs are a large share of
     * the bytes, so many of the gateway's socket reads end inside one and leave a partial line buffered while the
     * chunk data before it is still on its way to the client.
     */
    private static String bigChunkedResponse() {
        StringBuilder sb = new StringBuilder(BIG_BODY.length() * 2);
        sb.append("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        int at = 0;
        for (int i = 0; at < BIG_BODY.length(); i++) {
            int n = Math.min(BIG_BODY.length() - at, (i * 7919) % 24 + 1);
            sb.append(Integer.toHexString(n)).append("\r\n").append(BIG_BODY, at, at + n).append("\r\n");
            at += n;
        }
        return sb.append("0\r\n\r\n").toString();
    }

    /** The head split into one-byte pieces, followed by the body pieces. */
    private static String[] byteByByte(String headText, String... body) {
        List<String> pieces = new ArrayList<>();
        for (char c : headText.toCharArray()) {
            pieces.add(String.valueOf(c));
        }
        pieces.addAll(List.of(body));
        return pieces.toArray(new String[0]);
    }

    /**
     * Writes {@code pieces} as raw bytes, below the HTTP encoder, each flushed on its own. A piece is written 1 ms
     * after the previous one was handed to the socket, so that they leave as separate TCP segments and reach the
     * gateway in separate reads (pacing on the upstream side, not a wait for anything). {@code close}: close after
     * the last.
     */
    private static void send(ChannelHandlerContext ctx, boolean close, String... pieces) {
        sendFrom(ctx.channel().pipeline().firstContext(), pieces, 0, close);
    }

    private static void sendFrom(ChannelHandlerContext rawCtx, String[] pieces, int i, boolean close) {
        if (!rawCtx.channel().isActive()) {
            return;
        }
        ChannelFuture f = rawCtx.writeAndFlush(Unpooled.copiedBuffer(pieces[i], StandardCharsets.ISO_8859_1));
        if (i + 1 < pieces.length) {
            f.addListener(done -> rawCtx.executor().schedule(
                    () -> sendFrom(rawCtx, pieces, i + 1, close), 1, TimeUnit.MILLISECONDS));
        } else if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static String pattern(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('a' + (i * 7 + i / 26) % 26));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The client side: strict reading of what the gateway sends

    /** A chunked body as the client received it: the de-chunked bytes and the trailer lines. */
    private record Chunked(String body, List<String> trailers) {}

    /** One line that must end in CRLF (the gateway always writes CRLF); without the CRLF. */
    private static String crlfLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int prev = -1;
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                assertThat(prev == '\r').as("\"%s\" ends in CRLF, not a bare LF",
                        line.toString(StandardCharsets.ISO_8859_1)).isTrue();
                byte[] b = line.toByteArray();
                return new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
            prev = c;
        }
        throw new AssertionError("connection ended inside a line: " + line.toString(StandardCharsets.ISO_8859_1));
    }

    /** Like {@link #crlfLine}, but null when the connection ends before any byte of the line. */
    private static String crlfLineOrEnd(InputStream in) throws IOException {
        in.mark(1);
        if (in.read() < 0) {
            return null;
        }
        in.reset();
        return crlfLine(in);
    }

    private static Chunked readChunked(InputStream in) throws IOException {
        StringBuilder body = new StringBuilder();
        while (true) {
            String sizeLine = crlfLine(in);
            int size = Integer.parseInt(sizeLine, 16);
            if (size == 0) {
                List<String> trailers = new ArrayList<>();
                String t;
                while (!(t = crlfLine(in)).isEmpty()) {
                    trailers.add(t);
                }
                return new Chunked(body.toString(), trailers);
            }
            byte[] data = in.readNBytes(size);
            assertThat(data).as("chunk of %s bytes", size).hasSize(size);
            body.append(new String(data, StandardCharsets.ISO_8859_1));
            assertThat(crlfLine(in)).as("end of chunk").isEmpty();
        }
    }

    /** Sends {@code request} on a new connection and returns every byte up to the gateway's close. */
    private static String exchangeUntilClose(String request) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send(request);
            return new String(c.input().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: gw.test\r\n\r\n";
    }

    private static void assertConnectionStillServes(RawHttp c) throws IOException {
        RawHttp.Response next = c.send(get("/raw/ok")).read();
        assertThat(next.status()).isEqualTo(200);
        assertThat(next.text()).isEqualTo("ok");
    }

    // ---------------------------------------------------------------------------------------------------------
    // (a) chunked with trailers

    @Test
    void chunkedResponseWithTrailersReachesHttp11ClientChunkedWithBodyAndTrailer() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/chunked-trailers")).readHead();

            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("transfer-encoding")).isEqualTo("chunked");
            assertThat(h.headers()).doesNotContainKey("content-length");
            assertThat(h.header("content-type")).isEqualTo("text/plain");
            Chunked body = readChunked(c.input());
            assertThat(body.body()).isEqualTo("hello, world");
            assertThat(body.trailers()).containsExactly("X-Checksum: abc123");
            assertConnectionStillServes(c);
        }
    }

    @Test
    void trailersSentWithBareLfReachTheClientWithCrlf() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/chunked-lf")).readHead();

            assertThat(h.header("transfer-encoding")).isEqualTo("chunked");
            // readChunked insists on CRLF after every line, as the gateway writes them.
            Chunked body = readChunked(c.input());
            assertThat(body.body()).isEqualTo("hello");
            assertThat(body.trailers()).containsExactly("X-Checksum: abc123");
        }
    }

    @Test
    void upstreamConnectionIsReusedAfterAChunkedResponse() throws Exception {
        int before = reuse.connections();
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response r = c.send(get("/reuse/chunked")).read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("abcd");
            }
        }
        // A complete chunked response on HTTP/1.1 leaves the connection reusable (RFC 9112 9.3).
        assertThat(reuse.connections() - before).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // (b) close-delimited

    @Test
    void closeDelimitedResponseReachesHttp11ClientChunkedAndItsConnectionIsNotReused() throws Exception {
        int before = untilClose.connections();
        int receivedBefore = untilClose.received().size();
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 2; i++) {
                RawHttp.Response h = c.send(get("/until-close/until-close")).readHead();

                assertThat(h.status()).isEqualTo(200);
                assertThat(h.header("transfer-encoding")).isEqualTo("chunked");
                assertThat(h.headers()).doesNotContainKey("content-length");
                assertThat(h.header("connection")).isNull();
                assertThat(readChunked(c.input()).body()).isEqualTo(CLOSE_BODY);
            }
            assertConnectionStillServes(c);
        }
        assertThat(untilClose.connections() - before).isEqualTo(2);
        assertThat(untilClose.received().size() - receivedBefore).isEqualTo(2);
    }

    @Test
    void closeDelimitedResponseReachesHttp10ClientCloseDelimited() throws Exception {
        String all = exchangeUntilClose("GET /until-close/until-close HTTP/1.0\r\nHost: gw.test\r\n\r\n");

        int end = all.indexOf("\r\n\r\n");
        String headText = all.substring(0, end + 2).toLowerCase(Locale.ROOT);
        assertThat(headText).startsWith("http/1.1 200 ").contains("connection: close\r\n")
                .doesNotContain("transfer-encoding").doesNotContain("content-length");
        assertThat(all.substring(end + 4)).isEqualTo(CLOSE_BODY);
    }

    @Test
    void closeDelimitedBodyCutByAConnectionResetIsNotPassedOffAsComplete() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/until-close-reset")).readHead();
            assertThat(h.header("transfer-encoding")).isEqualTo("chunked");
            InputStream in = c.input();
            assertThat(Integer.parseInt(crlfLine(in), 16)).isEqualTo(7);
            assertThat(new String(in.readNBytes(7), StandardCharsets.ISO_8859_1)).isEqualTo("partial");
            assertThat(crlfLine(in)).isEmpty();

            // The gateway has forwarded the first piece; now the upstream connection dies with a reset (not a FIN,
            // which is what ends a close-delimited body).
            Channel up = resettable;
            up.eventLoop().submit(() -> {
                up.config().setOption(ChannelOption.SO_LINGER, 0);
                up.close();
            }).sync();

            // A truncated body must not end with the last chunk: the client connection closes without it.
            assertThat(crlfLineOrEnd(in)).as("what follows the first chunk").isNull();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // (c) interim responses

    @ParameterizedTest
    @ValueSource(strings = {"interim-split", "interim-together"})
    void interimResponsesAreNotPassedOnAndTheFinalOneIs(String path) throws Exception {
        String all = exchangeUntilClose("GET /raw/" + path + " HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n");

        assertThat(all).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\nX-Final: yes\r\n")
                .doesNotContain("103").doesNotContain("Early Hints").doesNotContain("Link:")
                .doesNotContain("100 Continue").endsWith("\r\n\r\nfinal");
        assertThat(all.split("HTTP/1\\.1 ", -1)).hasSize(2);
    }

    // ---------------------------------------------------------------------------------------------------------
    // (d) invalid heads

    @ParameterizedTest
    @ValueSource(strings = {"obs-fold", "differing-length"})
    void invalidResponseHeadGets502UpstreamBadResponse(String path) throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send(get("/raw/" + path)).read();

            assertThat(r.status()).isEqualTo(502);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.text()).startsWith("{\"error\":\"upstream_bad_response\",");
            assertThat(r.headers()).doesNotContainKeys("x-folded");
            assertConnectionStillServes(c);
        }
    }

    @Test
    void emptyContentLengthGets502UpstreamBadResponse() throws Exception {
        // Read raw: a failure shows exactly what the client got.
        String all = exchangeUntilClose("GET /raw/empty-length HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n");

        assertThat(all).startsWith("HTTP/1.1 502 ").contains("{\"error\":\"upstream_bad_response\",");
    }

    @Test
    void invalidResponseOnAReusedConnectionIsNotSentToTheUpstreamAgain() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            assertThat(c.send(get("/retry/ok")).read().status()).isEqualTo(200);

            // Goes out on the pooled connection; the upstream receives it and answers, just not validly.
            RawHttp.Response r = c.send("POST /retry/differing-length HTTP/1.1\r\nHost: gw.test\r\n"
                    + "Content-Length: 0\r\n\r\n").read();

            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).startsWith("{\"error\":\"upstream_bad_response\",");
        }
        // It was answered, so it was processed: sending it again would run a non-idempotent request twice.
        assertThat(retry.received()).filteredOn(x -> x.method().equals("POST")).hasSize(1);
    }

    @Test
    void responseWhoseConnectionHeaderNamesContentLengthIsStillFramedForTheClient() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/connection-names-length")).readHead();

            assertThat(h.status()).isEqualTo(200);
            // Without a length or chunking on a kept-alive connection the client cannot tell where the body ends.
            assertThat(h.header("content-length") != null || "chunked".equals(h.header("transfer-encoding")))
                    .as("framed response, headers %s", h.headers()).isTrue();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            c.readBody(h, (buf, off, len, at) -> body.write(buf, off, len));
            assertThat(body.toString(StandardCharsets.ISO_8859_1)).isEqualTo("hello");
            assertConnectionStillServes(c);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // (e) and (f) split across writes

    @ParameterizedTest
    @ValueSource(strings = {"split-head-crlf", "split-head-lf"})
    void headArrivingByteByByteIsForwarded(String path) throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/" + path)).readHead();

            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("x-split")).isEqualTo("yes");
            assertThat(h.header("content-type")).isEqualTo("text/plain");
            assertThat(h.header("content-length")).isEqualTo("11");
            assertThat(new String(c.input().readNBytes(11), StandardCharsets.ISO_8859_1)).isEqualTo("hello world");
            assertConnectionStillServes(c);
        }
    }

    @Test
    void chunkedBodyWithSizeLinesAndCrlfsSplitAcrossWritesIsForwardedIntact() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send(get("/raw/split-chunks")).readHead();

            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("transfer-encoding")).isEqualTo("chunked");
            Chunked body = readChunked(c.input());
            assertThat(body.body()).isEqualTo("0123456789abcdef" + "hello" + "ABCDEFGHIJ");
            assertThat(body.trailers()).containsExactly("X-Trailer: t");
            assertConnectionStillServes(c);
        }
    }

    @Test
    void manySmallChunksEndingInsideReadsAreForwardedIntact() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 3; i++) {
                RawHttp.Response h = c.send(get("/raw/big-chunked")).readHead();
                assertThat(h.header("transfer-encoding")).isEqualTo("chunked");

                String body = readChunked(c.input()).body();

                assertThat(body.length()).isEqualTo(BIG_BODY.length());
                assertThat(firstDifference(body, BIG_BODY)).as("index of the first corrupted byte").isEqualTo(-1);
            }
            assertConnectionStillServes(c);
        }
    }

    private static int firstDifference(String a, String b) {
        for (int i = 0; i < Math.min(a.length(), b.length()); i++) {
            if (a.charAt(i) != b.charAt(i)) {
                return i;
            }
        }
        return a.length() == b.length() ? -1 : Math.min(a.length(), b.length());
    }

    // ---------------------------------------------------------------------------------------------------------
    // (g) HEAD

    @Test
    void headResponseKeepsContentLengthHasNoBodyAndLeavesBothConnectionsUsable() throws Exception {
        int before = head.connections();
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response h = c.send("HEAD /head/resource HTTP/1.1\r\nHost: gw.test\r\n\r\n").read(true);

            assertThat(h.status()).isEqualTo(200);
            assertThat(h.header("content-length")).isEqualTo("1234");
            assertThat(h.headers()).doesNotContainKey("transfer-encoding");

            // Had the gateway sent any body bytes, they would be read here in place of the next status line.
            RawHttp.Response g = c.send(get("/head/resource")).read();
            assertThat(g.status()).isEqualTo(200);
            assertThat(g.text()).isEqualTo("hello");
        }
        assertThat(head.received()).extracting(TestUpstream.Received::method).containsExactly("HEAD", "GET");
        assertThat(head.connections() - before).isEqualTo(1);
    }
}
