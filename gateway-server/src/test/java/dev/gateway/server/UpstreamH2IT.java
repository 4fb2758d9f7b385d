package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.ProtocolUpstream;
import dev.gateway.server.support.RawHttp;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code protocol: h2c} upstreams against a real HTTP/2 server (Netty's codec): requests multiplexed as streams over
 * few connections, the peer's SETTINGS_MAX_CONCURRENT_STREAMS respected, request bodies and response trailers
 * converted, a slow client pausing only its own stream, GOAWAY, and REFUSED_STREAM retried. The gateway runs one
 * event loop, so one pool per endpoint and connection counts are exact.
 */
class UpstreamH2IT {
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final long MIB = 1024 * 1024;

    private static GatewayServer gatewayTo(ProtocolUpstream up, String upstreamExtra) throws Exception {
        return Gateways.start(Gateways.yaml("io-threads: 1", """
                upstreams:
                  h2:
                    targets: ["http://127.0.0.1:${PORT}"]
                    protocol: h2c
                """ + upstreamExtra + """
                routes:
                  - {id: h2, paths: [/**], upstream: h2, timeout: 60s}
                """), Map.of("PORT", Integer.toString(up.port())));
    }

    private static List<HttpResponse<String>> getAll(GatewayServer gw, int n, String path) {
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path + i))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        return fs.stream().map(CompletableFuture::join).toList();
    }

    /** Holds every request until {@code n} are open at once, then answers them all with their path. */
    private static ProtocolUpstream.Behavior answerWhenAllArrived(int n) {
        List<Runnable> held = new ArrayList<>();
        return (ctx, r, up) -> {
            held.add(() -> up.respond(ctx, 200, "you asked for " + r.path(), null));
            if (held.size() == n) {
                held.forEach(Runnable::run);
                held.clear();
            }
        };
    }

    @Test
    void concurrentRequestsAreStreamsOfOneConnection() throws Exception {
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, answerWhenAllArrived(20));
                GatewayServer gw = gatewayTo(up, "")) {
            List<HttpResponse<String>> rs = getAll(gw, 20, "/many/");
            for (int i = 0; i < rs.size(); i++) {
                assertThat(rs.get(i).statusCode()).isEqualTo(200);
                assertThat(rs.get(i).body()).isEqualTo("you asked for /many/" + i);
            }
            assertThat(up.maxActiveStreams()).as("all 20 were in flight at once").isEqualTo(20);
            assertThat(up.connections()).as("one HTTP/2 connection carried them").isEqualTo(1);
            // The request head became HTTP/2: :authority from the Host, no connection-specific fields.
            ProtocolUpstream.Request r = up.received().get(0);
            assertThat(r.headers().authority().toString()).isEqualTo("127.0.0.1:" + up.port());
            assertThat(r.headers().scheme().toString()).isEqualTo("http");
            assertThat(r.header("connection")).isNull();
            assertThat(r.header("host")).isNull();
            assertThat(r.header("x-forwarded-for")).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void streamsOverThePeersLimitOpenAnotherConnection() throws Exception {
        try (ProtocolUpstream up = ProtocolUpstream.h2c(2, answerWhenAllArrived(6));
                GatewayServer gw = gatewayTo(up, "")) {
            List<HttpResponse<String>> rs = getAll(gw, 6, "/limit/");
            assertThat(rs).allMatch(r -> r.statusCode() == 200);
            assertThat(up.connections()).as("6 streams at most 2 per connection").isEqualTo(3);
        }
    }

    @Test
    void streamsOverThePeersLimitWaitWhenNoMoreConnectionsAreAllowed() throws Exception {
        try (ProtocolUpstream up = ProtocolUpstream.h2c(2, ProtocolUpstream.text(200, "ok"));
                GatewayServer gw = gatewayTo(up, "    max-connections-per-target: 1\n")) {
            List<HttpResponse<String>> rs = getAll(gw, 12, "/wait/");
            assertThat(rs).allMatch(r -> r.statusCode() == 200 && r.body().equals("ok"));
            assertThat(up.connections()).isEqualTo(1);
            assertThat(up.maxActiveStreams()).as("never more streams than the peer allows").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void requestsBeyondTheStreamsAndThePendingLimitAreOverloaded() throws Exception {
        List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        ProtocolUpstream.Behavior b = (ctx, r, up) -> {
            if (r.path().equals("/hold")) {
                held.add(() -> up.respond(ctx, 200, "released", null));
            } else {
                up.respond(ctx, 200, "ok", null);
            }
        };
        try (ProtocolUpstream up = ProtocolUpstream.h2c(1, b);
                GatewayServer gw = gatewayTo(up, "    max-connections-per-target: 1\n    max-pending-requests: 0\n")) {
            assertThat(get(gw, "/warm").statusCode()).isEqualTo(200); // the connection and its SETTINGS are there
            CompletableFuture<HttpResponse<String>> holding = client.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gw.port() + "/hold")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Await.until(Duration.ofSeconds(10), "the held stream to arrive", () -> held.size() == 1);
            // Its one stream is taken, no other connection is allowed and nothing may wait.
            HttpResponse<String> refused = get(gw, "/more");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("upstream_overloaded");
            held.forEach(Runnable::run);
            assertThat(holding.get(20, TimeUnit.SECONDS).body()).isEqualTo("released");
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void requestBodyAndResponseTrailersPassThrough() throws Exception {
        ProtocolUpstream.Behavior b = (ctx, r, up) -> up.respond(ctx, 200, "got " + r.body().length + " bytes",
                new DefaultHttp2Headers().set("grpc-status", "0").set("grpc-message", "fine"));
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, b); GatewayServer gw = gatewayTo(up, "");
                RawHttp c = new RawHttp(gw.port())) {
            String body = "x".repeat(100_000);
            c.send("POST /body HTTP/1.1\r\nHost: gw.test\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("got 100000 bytes");
            assertThat(r.header("transfer-encoding")).as("length unknown until END_STREAM").isEqualTo("chunked");
            assertThat(r.trailer("grpc-status")).isEqualTo("0");
            assertThat(r.trailer("grpc-message")).isEqualTo("fine");
            assertThat(new String(up.received().get(0).body(), StandardCharsets.US_ASCII)).isEqualTo(body);
        }
    }

    @Test
    void slowClientPausesItsStreamOnlyWhileOtherStreamsGoOn() throws Exception {
        ProtocolUpstream.Behavior b = (ctx, r, up) -> {
            if (r.path().startsWith("/big")) {
                up.stream(ctx, 1024 * MIB);
            } else {
                up.respond(ctx, 200, "small", null);
            }
        };
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, b); GatewayServer gw = gatewayTo(up, "");
                RawHttp c = new RawHttp(gw.port())) {
            c.send("GET /big HTTP/1.1\r\nHost: gw.test\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(200);
            long plateau = awaitPlateau(up);
            System.out.printf("h2 slow reader: upstream wrote %.1f MiB before its stream paused%n",
                    plateau / (double) MIB);
            assertThat(plateau).as("bytes the upstream could send to a client that stopped reading")
                    .isLessThan(32 * MIB);

            // Meanwhile another request is a stream of the same connection and is answered.
            HttpResponse<String> small = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + gw.port() + "/small")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(small.statusCode()).isEqualTo(200);
            assertThat(small.body()).isEqualTo("small");
            assertThat(up.connections()).isEqualTo(1);

            // Reading again resumes the paused stream.
            long read = 0;
            boolean resumed = false;
            while (!resumed && read < plateau + 8 * MIB) {
                c.input().skipNBytes(MIB);
                read += MIB;
                resumed = Await.holdsWithin(Duration.ofSeconds(1), () -> up.bytesWritten() > plateau);
            }
            assertThat(resumed).as("upstream sends again once the client reads (read %d bytes)", read).isTrue();
        }
    }

    @Test
    void goAwayLetsTheStreamInFlightFinishAndNewStreamsUseANewConnection() throws Exception {
        ProtocolUpstream.Behavior b = (ctx, r, up) -> {
            if (r.path().equals("/last")) {
                // GOAWAY first (its last stream id is this one), then the answer on this stream.
                ctx.channel().parent().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
            }
            up.respond(ctx, 200, "answered " + r.path(), null);
        };
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, b); GatewayServer gw = gatewayTo(up, "")) {
            assertThat(get(gw, "/last").body()).isEqualTo("answered /last");
            Await.until(Duration.ofSeconds(10), "the connection that went away to close",
                    () -> up.openConnections() == 0);
            HttpResponse<String> next = get(gw, "/next");
            assertThat(next.statusCode()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("answered /next");
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void refusedStreamIsRetriedAtOnce() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ProtocolUpstream.Behavior b = (ctx, r, up) -> {
            if (calls.incrementAndGet() == 1) {
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            } else {
                up.respond(ctx, 200, "second try", null);
            }
        };
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, b); GatewayServer gw = gatewayTo(up, "")) {
            HttpResponse<String> r = get(gw, "/refused");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("second try");
            assertThat(up.streams()).isEqualTo(2);
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void streamResetAfterTheRequestIsA502() throws Exception {
        ProtocolUpstream.Behavior b = (ctx, r, up) -> ctx.writeAndFlush(
                new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
        try (ProtocolUpstream up = ProtocolUpstream.h2c(0, b); GatewayServer gw = gatewayTo(up, "")) {
            HttpResponse<String> r = get(gw, "/reset");
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.body()).contains("upstream_unavailable");
            // The connection survives the stream.
            up.behavior(ProtocolUpstream.text(200, "ok"));
            assertThat(get(gw, "/after").statusCode()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    private static HttpResponse<String> get(GatewayServer gw, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until two readings of the upstream's byte count 200 ms apart are equal; returns that count. */
    private static long awaitPlateau(ProtocolUpstream up) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long previous = -1;
        while (true) {
            long now = up.bytesWritten();
            if (now == previous && now > 0) {
                return now;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("upstream never stopped writing: " + now + " bytes after 20 s");
            }
            previous = now;
            Await.pause(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }
}
