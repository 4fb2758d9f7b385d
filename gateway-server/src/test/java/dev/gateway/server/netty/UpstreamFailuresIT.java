package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import io.netty.buffer.Unpooled;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Dead, slow, broken and overloaded upstreams, and load balancing across targets. */
class UpstreamFailuresIT {
    static TestUpstream slow;
    static TestUpstream broken;
    static TestUpstream w3;
    static TestUpstream w1;
    static TestUpstream fast;
    static TestUpstream sluggish;
    static TestUpstream single;
    static GatewayServer gateway;
    static int port;
    static int deadPort;
    /** Listens with a full accept queue and never accepts: connecting to it hangs (SYNs are dropped). */
    static ServerSocket blackhole;
    static List<java.net.Socket> fillers = new java.util.ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        blackhole = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        for (int i = 0; i < 4; i++) {
            java.net.Socket f = new java.net.Socket();
            try {
                f.connect(blackhole.getLocalSocketAddress(), 200);
                fillers.add(f);
            } catch (java.io.IOException e) {
                f.close(); // the queue is full: exactly what we want
            }
        }
        slow = TestUpstream.start("slow", (ctx, r, up) -> ctx.executor().schedule(
                () -> up.sendText(ctx, r, 200, "late"), 3, TimeUnit.SECONDS));
        broken = TestUpstream.echo("broken");
        w3 = TestUpstream.echo("w3");
        w1 = TestUpstream.echo("w1");
        fast = TestUpstream.echo("fast");
        sluggish = TestUpstream.start("sluggish", (ctx, r, up) -> ctx.executor().schedule(
                () -> up.sendText(ctx, r, 200, "{\"upstream\":\"sluggish\"}"), 300, TimeUnit.MILLISECONDS));
        single = TestUpstream.start("single", (ctx, r, up) -> ctx.executor().schedule(
                () -> up.sendText(ctx, r, 200, "one"), 500, TimeUnit.MILLISECONDS));
        // Chosen after every listener of the test is bound, so that none of them can get the freed port.
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> env = new HashMap<>();
        env.put("DEAD", "http://127.0.0.1:" + deadPort);
        env.put("SLOW", slow.url());
        env.put("BROKEN", broken.url());
        env.put("W3", w3.url());
        env.put("W1", w1.url());
        env.put("FAST", fast.url());
        env.put("SLUGGISH", sluggish.url());
        env.put("SINGLE", single.url());
        env.put("BLACKHOLE", "http://127.0.0.1:" + blackhole.getLocalPort());
        gateway = Gateways.start(Gateways.yaml("io-threads: 1", """
                upstreams:
                  dead: { targets: ["${DEAD}"] }
                  slow: { targets: ["${SLOW}"] }
                  broken: { targets: ["${BROKEN}"] }
                  weighted:
                    targets: [{url: "${W3}", weight: 3}, {url: "${W1}", weight: 1}]
                  least:
                    targets: ["${FAST}", "${SLUGGISH}"]
                    balancer: least-requests
                  blackhole:
                    targets: ["${BLACKHOLE}"]
                    connect-timeout: 300ms
                  single:
                    targets: ["${SINGLE}"]
                    max-connections-per-target: 1
                    max-pending-requests: 1
                routes:
                  - { id: dead, paths: [/dead/**], upstream: dead }
                  - { id: slow, paths: [/slow/**], upstream: slow, timeout: 500ms }
                  - { id: broken, paths: [/broken/**], upstream: broken }
                  - { id: weighted, paths: [/weighted/**], upstream: weighted }
                  - { id: least, paths: [/least/**], upstream: least }
                  - { id: single, paths: [/single/**], upstream: single }
                  - { id: blackhole, paths: [/blackhole/**], upstream: blackhole }
                """), env);
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        for (TestUpstream u : List.of(slow, broken, w3, w1, fast, sluggish, single)) {
            u.close();
        }
        for (java.net.Socket f : fillers) {
            try {
                f.close();
            } catch (java.io.IOException ignored) {
                // closing a test socket
            }
        }
        try {
            blackhole.close();
        } catch (java.io.IOException ignored) {
            // closing a test socket
        }
    }

    private static RawHttp.Response get(String path) throws Exception {
        return RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    void refusedConnectionGets502() throws Exception {
        RawHttp.Response r = get("/dead/x");
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.text()).startsWith("{\"error\":\"upstream_unavailable\"");
        assertThat(r.text()).doesNotContain("Exception").doesNotContain("Connection refused")
                .doesNotContain(Integer.toString(deadPort));
    }

    @Test
    void connectTimeoutGets504() throws Exception {
        long start = System.nanoTime();
        RawHttp.Response r = get("/blackhole/x");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.text()).startsWith("{\"error\":\"upstream_timeout\"");
        assertThat(ms).isBetween(250L, 3_000L);
    }

    @Test
    void lateResponseGets504AfterRouteTimeout() throws Exception {
        long start = System.nanoTime();
        RawHttp.Response r = get("/slow/x");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(504);
        assertThat(r.text()).startsWith("{\"error\":\"upstream_timeout\"");
        assertThat(ms).isBetween(400L, 5_000L); // not before the 500 ms timeout; the upper bound: never a hang
    }

    @Test
    void upstreamClosingBeforeResponseGets502() throws Exception {
        broken.behavior((ctx, r, up) -> TestUpstream.hangUp(ctx));
        try {
            RawHttp.Response r = get("/broken/close");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("upstream_unavailable");
        } finally {
            broken.behavior(TestUpstream.echoBehavior("broken"));
        }
    }

    @Test
    void invalidUpstreamResponseGets502() throws Exception {
        try {
            // Written below the test upstream's HTTP encoder, as raw bytes.
            broken.behavior((ctx, r, up) -> ctx.channel().pipeline().firstContext().writeAndFlush(
                    Unpooled.copiedBuffer("NOT HTTP AT ALL\r\n\r\n", StandardCharsets.US_ASCII)));
            RawHttp.Response r = get("/broken/garbage");
            assertThat(r.status()).isEqualTo(502);
            assertThat(r.text()).contains("upstream_bad_response");
        } finally {
            broken.behavior(TestUpstream.echoBehavior("broken"));
        }
    }

    @Test
    void upstreamDyingMidBodyClosesClientWithoutCompletingResponse() throws Exception {
        broken.behavior((ctx, r, up) -> TestUpstream.dieMidBody(ctx));
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("GET /broken/mid HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isFalse();
            assertThat(r.body().length).isLessThan(100_000);
        } finally {
            broken.behavior(TestUpstream.echoBehavior("broken"));
        }
    }

    @Test
    void chunkedUpstreamDyingMidBodyNeverSendsTheFinalChunk() throws Exception {
        broken.behavior((ctx, r, up) -> {
            var head = new io.netty.handler.codec.http.DefaultHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK);
            io.netty.handler.codec.http.HttpUtil.setTransferEncodingChunked(head, true);
            ctx.write(head);
            ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(Unpooled.wrappedBuffer(new byte[5000])))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        });
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("GET /broken/chunked HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.complete()).isFalse();
        } finally {
            broken.behavior(TestUpstream.echoBehavior("broken"));
        }
    }

    @Test
    void requestOnAConnectionTheUpstreamDroppedIsRetriedOnANewOne() throws Exception {
        // Each upstream connection answers its first request, then hangs up on the next one without answering:
        // what a kept-alive connection looks like when the upstream closed it just as the gateway reused it.
        io.netty.util.AttributeKey<Integer> seen = io.netty.util.AttributeKey.valueOf("seen");
        broken.behavior((ctx, r, up) -> {
            Integer n = ctx.channel().attr(seen).get();
            ctx.channel().attr(seen).set(n == null ? 1 : n + 1);
            if (n == null) {
                up.sendText(ctx, r, 200, "ok");
            } else {
                ctx.close();
            }
        });
        int before = broken.connections();
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Response r = c.send("GET /broken/stale HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("ok");
            }
        } finally {
            broken.behavior(TestUpstream.echoBehavior("broken"));
        }
        assertThat(broken.connections() - before).isEqualTo(5);
    }

    @Test
    void weightedRoundRobinSplitsExactlyByWeight() throws Exception {
        int before3 = w3.received().size();
        int before1 = w1.received().size();
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 400; i++) {
                assertThat(c.send("GET /weighted/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read().status())
                        .isEqualTo(200);
            }
        }
        assertThat(w3.received().size() - before3).isEqualTo(300);
        assertThat(w1.received().size() - before1).isEqualTo(100);
    }

    @Test
    void leastRequestsAvoidsTheBusyTarget() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<RawHttp.Response>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                futures.add(pool.submit(() -> get("/least/x")));
            }
            for (Future<RawHttp.Response> f : futures) {
                assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        // Every request that is stuck on the slow target makes the fast one preferred.
        assertThat(fast.received().size()).isGreaterThan(3 * sluggish.received().size());
        assertThat(sluggish.received()).isNotEmpty();
    }

    @Test
    void requestsBeyondConnectionLimitAndPendingQueueGet503() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<RawHttp.Response>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return get("/single/x");
                }));
            }
            go.countDown();
            int ok = 0;
            int overloaded = 0;
            for (Future<RawHttp.Response> f : futures) {
                RawHttp.Response r = f.get(30, TimeUnit.SECONDS);
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.text()).contains("upstream_overloaded");
                    overloaded++;
                }
            }
            // One connection busy, one request waiting for it, the third is refused at once.
            assertThat(ok).isEqualTo(2);
            assertThat(overloaded).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
