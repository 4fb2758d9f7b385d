package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Cli;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawH2;
import dev.gateway.server.support.TestUpstream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What an HTTP/2 stream carries end to end: trailers, flow control, independence of streams, cut responses. */
class Http2StreamsIT {
    static final long BIG = 64L << 20;
    static TestUpstream echo;
    static TestUpstream trailers;
    static TestUpstream big;
    static TestUpstream hang;
    static TestUpstream cut;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        echo = TestUpstream.echo("echo");
        trailers = TestUpstream.start("trailers", (ctx, r, up) -> {
            DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(head, true);
            head.headers().set("Content-Type", "application/grpc");
            ctx.write(head);
            ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("payload", StandardCharsets.US_ASCII)));
            DefaultLastHttpContent last = new DefaultLastHttpContent();
            last.trailingHeaders().set("Grpc-Status", "0").set("X-Checksum", "abc");
            ctx.writeAndFlush(last);
        });
        big = TestUpstream.start("big", (ctx, r, up) -> up.sendStream(ctx, BIG, false));
        hang = TestUpstream.start("hang", (ctx, r, up) -> { });
        cut = TestUpstream.start("cut", (ctx, r, up) -> TestUpstream.dieMidBody(ctx));
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                upstreams:
                  echo: {targets: ["%s"]}
                  trailers: {targets: ["%s"]}
                  big: {targets: ["%s"]}
                  hang: {targets: ["%s"]}
                  cut: {targets: ["%s"]}
                routes:
                  - {id: echo, paths: [/echo/**], upstream: echo}
                  - {id: trailers, paths: [/trailers/**], upstream: trailers}
                  - {id: big, paths: [/big/**], upstream: big, timeout: 120s}
                  - {id: hang, paths: [/hang/**], upstream: hang, timeout: 120s}
                  - {id: cut, paths: [/cut/**], upstream: cut}
                  - {id: fast, paths: [/fast/**], mock: {body: fast}}
                  - id: batch
                    paths: [/batch]
                    methods: [POST]
                    batch: {max-items: 5}
                """.formatted(echo.url(), trailers.url(), big.url(), hang.url(), cut.url())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        for (TestUpstream u : new TestUpstream[] {echo, trailers, big, hang, cut}) {
            if (u != null) {
                u.close();
            }
        }
    }

    private static boolean endsStream(RawH2.Frame f, int stream) {
        return f.stream() == stream && (f.type() == RawH2.DATA || f.type() == RawH2.HEADERS) && (f.flags() & 1) != 0;
    }

    private static List<RawH2.Frame> readResponse(RawH2 c, int stream) throws Exception {
        List<RawH2.Frame> frames = new java.util.ArrayList<>();
        for (RawH2.Frame f; (f = c.read()) != null; ) {
            frames.add(f);
            if (endsStream(f, stream) || f.type() == RawH2.RST_STREAM && f.stream() == stream) {
                return frames;
            }
        }
        throw new AssertionError("the connection ended before stream " + stream + " did: " + frames);
    }

    @Test
    void requestTrailersReachTheUpstreamAsChunkedTrailers() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/echo/trailers"), false);
            c.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false);
            c.headers(1, new DefaultHttp2Headers(false).add("x-sum", "42"), true);
            List<RawH2.Frame> frames = readResponse(c, 1);
            assertThat(frames).anyMatch(f -> f.type() == RawH2.DATA && f.text().contains("\"body_bytes\":3"));
        }
        assertThat(echo.trailers().get(echo.trailers().size() - 1).get("x-sum")).isEqualTo("42");
    }

    @Test
    void upstreamTrailersReachTheClientAsATrailingHeadersFrame() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/trailers/call", "content-type", "application/grpc", "te",
                    "trailers"), false);
            c.data(1, new byte[] {0, 0, 0, 0, 0}, true);
            List<RawH2.Frame> frames = readResponse(c, 1);
            List<RawH2.Frame> headers = frames.stream().filter(f -> f.type() == RawH2.HEADERS).toList();
            assertThat(headers).hasSize(2);
            assertThat(headers.get(0).headers().status().toString()).isEqualTo("200");
            assertThat(headers.get(0).headers().get("content-type").toString()).isEqualTo("application/grpc");
            assertThat(headers.get(1).headers().get("grpc-status").toString()).isEqualTo("0");
            assertThat(headers.get(1).headers().get("x-checksum").toString()).isEqualTo("abc");
            assertThat(frames).anyMatch(f -> f.type() == RawH2.DATA && f.text().equals("payload"));
        }
    }

    @Test
    void aClientThatDoesNotReadMakesTheGatewayStopReadingTheUpstream() throws Exception {
        long before = big.bytesWritten();
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            // The client opens its connection window but never the stream's: the gateway may send that stream
            // 65,535 bytes of the 64 MiB body.
            c.writer.writeWindowUpdate(c.ctx(), 0, 1 << 30, c.ctx().newPromise());
            c.flush();
            c.headers(1, RawH2.request("GET", "/big/file"), true);
            long[] last = {-1};
            long[] stableSince = {0};
            Await.until(Duration.ofSeconds(60), "the upstream's writes stop", () -> {
                long now = big.bytesWritten() - before;
                if (now != last[0] || now == 0) {
                    last[0] = now;
                    stableSince[0] = System.nanoTime();
                    return false;
                }
                return System.nanoTime() - stableSince[0] > Duration.ofSeconds(1).toNanos();
            });
            // Socket buffers on both sides hold a few MiB at most; the gateway holds no more than the window.
            assertThat(big.bytesWritten() - before).isLessThan(BIG / 4);
            // The rest of the connection still works while that stream is stalled.
            c.headers(3, RawH2.request("GET", "/fast/x"), true);
            assertThat(readResponse(c, 3)).anyMatch(f -> f.type() == RawH2.DATA && f.text().equals("fast"));
        }
    }

    @Test
    void aSlowUpstreamOnOneStreamDoesNotStallAnotherStream() throws Exception {
        int before = hang.received().size();
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("GET", "/hang/x"), true);
            Await.until(Duration.ofSeconds(10), "the hanging request reached its upstream",
                    () -> hang.received().size() > before);
            c.headers(3, RawH2.request("POST", "/echo/y"), false);
            c.data(3, new byte[100_000 / 2], false).data(3, new byte[100_000 / 2], true);
            List<RawH2.Frame> frames = readResponse(c, 3);
            assertThat(frames).anyMatch(f -> f.type() == RawH2.DATA && f.text().contains("\"body_bytes\":100000"));
            assertThat(frames).noneMatch(f -> f.stream() == 1 && f.type() != RawH2.WINDOW_UPDATE);
        }
    }

    @Test
    void aResponseCutShortResetsTheStream() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("GET", "/cut/x"), true);
            List<RawH2.Frame> frames = readResponse(c, 1);
            RawH2.Frame last = frames.get(frames.size() - 1);
            assertThat(last.type()).as("frames %s", frames).isEqualTo(RawH2.RST_STREAM);
            assertThat(last.errorCode()).isEqualTo(Http2Error.CANCEL.code());
        }
    }

    @Test
    void expectContinueGetsAnInformationalHeadersFrame() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/echo/expect", "expect", "100-continue", "content-length", "3"),
                    false);
            RawH2.Frame first = c.read();
            while (first.type() != RawH2.HEADERS) {
                first = c.read();
            }
            assertThat(first.headers().status().toString()).isEqualTo("100");
            c.data(1, "abc".getBytes(StandardCharsets.US_ASCII), true);
            List<RawH2.Frame> frames = readResponse(c, 1);
            assertThat(frames).anyMatch(f -> f.type() == RawH2.HEADERS && "200".contentEquals(f.headers().status()));
            assertThat(frames).anyMatch(f -> f.type() == RawH2.DATA && f.text().contains("\"body_bytes\":3"));
        }
    }

    @Test
    void batchCallOverH2c() throws Exception {
        Cli.need("curl");
        String body = """
                {"requests": [{"id": "a", "method": "GET", "path": "/fast/1"},
                              {"id": "b", "method": "GET", "path": "/echo/2"}]}""";
        Cli.Result r = Cli.run(Duration.ofSeconds(60), List.of("curl", "-sS", "-i", "--http2-prior-knowledge",
                "-H", "Content-Type: application/json", "--data-binary", body,
                "http://127.0.0.1:" + gateway.port() + "/batch"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/2 200").containsIgnoringCase("x-batch-completed: 2/2")
                .contains("\"uri\":\"/echo/2\"");
    }
}
