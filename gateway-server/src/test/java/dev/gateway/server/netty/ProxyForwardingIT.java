package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Forwarding through a real gateway to real upstreams: routing, rewrites, headers, keep-alive, pipelining. */
class ProxyForwardingIT {
    static TestUpstream a;
    static TestUpstream b;
    static TestUpstream keep;
    static GatewayServer gateway;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        a = TestUpstream.echo("a");
        b = TestUpstream.echo("b");
        keep = TestUpstream.echo("keep");
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  a:
                    targets: ["${A}"]
                  b:
                    targets: ["${B}"]
                    host-header: client
                  keep:
                    targets: ["${KEEP}"]
                routes:
                  - id: exact-health
                    paths: [/api/health]
                    upstream: b
                  - id: api
                    paths: [/api/**]
                    upstream: a
                    strip-prefix: /api
                  - id: users
                    paths: ["/api/users/{id}"]
                    methods: [GET]
                    upstream: b
                    replace-prefix: { from: /api, to: /v2 }
                  - id: users-any
                    paths: ["/api/users/{id}"]
                    upstream: a
                  - id: host-exact
                    hosts: [shop.example.com]
                    paths: [/**]
                    upstream: b
                  - id: host-wild
                    hosts: ["*.example.com"]
                    paths: [/**]
                    upstream: a
                  - id: public
                    paths: [/public/**]
                    upstream: a
                  - id: keepalive
                    paths: [/keep/**]
                    upstream: keep
                """), Map.of("A", a.url(), "B", b.url(), "KEEP", keep.url()));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        a.close();
        b.close();
        keep.close();
    }

    @BeforeEach
    void clear() {
        a.received().clear();
        b.received().clear();
    }

    private static RawHttp.Response get(String path, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: gw.test\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(port, sb.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void exactPathBeatsPrefixRoute() throws Exception {
        RawHttp.Response r = get("/api/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-upstream")).isEqualTo("b");
    }

    @Test
    void stripsPrefixBeforeForwarding() throws Exception {
        RawHttp.Response r = get("/api/orders/42?x=1&y=%20z");
        assertThat(r.status()).isEqualTo(200);
        assertThat(a.last().uri()).isEqualTo("/orders/42?x=1&y=%20z");
    }

    @Test
    void strippingTheWholePathLeavesRoot() throws Exception {
        get("/api");
        assertThat(a.last().uri()).isEqualTo("/");
    }

    @Test
    void paramRouteWithMethodBeatsParamRouteWithout() throws Exception {
        assertThat(get("/api/users/7").header("x-upstream")).isEqualTo("b");
        assertThat(b.last().uri()).isEqualTo("/v2/users/7");
        RawHttp.Response post = RawHttp.exchange(port,
                "POST /api/users/7 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        assertThat(post.header("x-upstream")).isEqualTo("a");
        assertThat(a.last().uri()).isEqualTo("/api/users/7");
        assertThat(a.last().bodyBytes()).isEqualTo(2);
    }

    @Test
    void exactHostBeatsWildcardHostBeatsNoHost() throws Exception {
        RawHttp.Response exact = RawHttp.exchange(port,
                "GET /x HTTP/1.1\r\nHost: SHOP.example.com:8080\r\nConnection: close\r\n\r\n");
        RawHttp.Response wild = RawHttp.exchange(port,
                "GET /x HTTP/1.1\r\nHost: a.b.example.com\r\nConnection: close\r\n\r\n");
        RawHttp.Response none = RawHttp.exchange(port,
                "GET /x HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n");
        assertThat(exact.header("x-upstream")).isEqualTo("b");
        assertThat(wild.header("x-upstream")).isEqualTo("a");
        assertThat(none.status()).isEqualTo(404);
    }

    @Test
    void unmatchedPathGets404JsonError() throws Exception {
        RawHttp.Response r = get("/nowhere", "X-Request-Id: trace-404");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.text()).isEqualTo(
                "{\"error\":\"no_route\",\"message\":\"no route matches the request\",\"request_id\":\"trace-404\"}\n");
    }

    @Test
    void forwardsNormalisedPathSoTraversalCannotReachOtherRoutes() throws Exception {
        RawHttp.Response r = get("/public/../api/secret");
        assertThat(r.status()).isEqualTo(200);
        // Matched (and forwarded) as /api/secret, by the api route, never by /public/**.
        assertThat(a.last().uri()).isEqualTo("/secret");
        RawHttp.Response encoded = get("/public/%2e%2e/nowhere");
        assertThat(encoded.status()).isEqualTo(404);
        assertThat(get("/public//./a//b").status()).isEqualTo(200);
        assertThat(a.last().uri()).isEqualTo("/public/a/b");
    }

    @Test
    void pathEscapingRootGets400() throws Exception {
        RawHttp.Response r = get("/public/../../etc/passwd");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.text()).contains("\"error\":\"invalid_path\"");
        assertThat(get("/public/%zz").status()).isEqualTo(400);
        assertThat(a.received()).isEmpty();
    }

    @Test
    void stripsHopByHopHeadersUpstream() throws Exception {
        RawHttp.Response r = RawHttp.exchange(port, "GET /public/x HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Authorization: Basic abc\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: websocket\r\n"
                + "Proxy-Connection: keep-alive\r\nX-End-To-End: kept\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        var h = a.last().headers();
        for (String name : new String[] {"connection", "x-secret-hop", "keep-alive", "proxy-authorization", "te",
                "trailer", "upgrade", "proxy-connection"}) {
            assertThat(h.contains(name)).as(name).isFalse();
        }
        assertThat(h.get("x-end-to-end")).isEqualTo("kept");
    }

    @Test
    void stripsHopByHopHeadersFromResponses() throws Exception {
        a.behavior((ctx, req, up) -> {
            var resp = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                    io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    io.netty.handler.codec.http.HttpResponseStatus.OK,
                    io.netty.buffer.Unpooled.copiedBuffer("ok", java.nio.charset.StandardCharsets.UTF_8));
            resp.headers().set("Content-Length", 2).set("Connection", "X-Internal").set("X-Internal", "secret")
                    .set("Keep-Alive", "timeout=9").set("Proxy-Authenticate", "Basic").set("Upgrade", "h2c")
                    .set("X-Kept", "yes");
            ctx.writeAndFlush(resp);
        });
        try {
            RawHttp.Response r = get("/public/hop");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("ok");
            assertThat(r.headers()).doesNotContainKeys("x-internal", "keep-alive", "proxy-authenticate", "upgrade");
            assertThat(r.header("x-kept")).isEqualTo("yes");
            assertThat(r.header("connection")).isEqualTo("close"); // the gateway's own, for this client
        } finally {
            a.behavior(TestUpstream.echoBehavior("a"));
        }
    }

    @Test
    void setsForwardedHeadersReplacingUntrustedValues() throws Exception {
        get("/public/xf", "X-Forwarded-For: 6.6.6.6", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil",
                "X-Forwarded-Port: 1");
        var h = a.last().headers();
        assertThat(h.get("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-host")).isEqualTo("gw.test");
        assertThat(h.get("x-forwarded-port")).isEqualTo(Integer.toString(port));
    }

    @Test
    void targetHostHeaderByDefaultClientHostWhenConfigured() throws Exception {
        get("/public/h");
        assertThat(a.last().headers().get("host")).isEqualTo("127.0.0.1:" + a.port());
        get("/api/health");
        assertThat(b.last().headers().get("host")).isEqualTo("gw.test");
    }

    @Test
    void keepsValidRequestIdAndReturnsIt() throws Exception {
        RawHttp.Response r = get("/public/id", "X-Request-Id: abc-123.XYZ");
        assertThat(r.header("x-request-id")).isEqualTo("abc-123.XYZ");
        assertThat(a.last().headers().get("x-request-id")).isEqualTo("abc-123.XYZ");
    }

    @Test
    void replacesInvalidRequestIdWithGeneratedOne() throws Exception {
        RawHttp.Response r = get("/public/id", "X-Request-Id: bad id with spaces");
        String id = r.header("x-request-id");
        assertThat(id).matches("[0-9a-f]{32}");
        assertThat(a.last().headers().get("x-request-id")).isEqualTo(id);
        RawHttp.Response none = get("/public/id");
        assertThat(none.header("x-request-id")).matches("[0-9a-f]{32}").isNotEqualTo(id);
    }

    @Test
    void reusesUpstreamConnectionsAcrossThousandSequentialRequests() throws Exception {
        int before = keep.connections();
        try (RawHttp c = new RawHttp(port)) {
            for (int i = 0; i < 1000; i++) {
                RawHttp.Response r = c.send("GET /keep/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertThat(r.status()).isEqualTo(200);
            }
        }
        // One client connection, sequential requests: the pooled upstream connection is reused.
        assertThat(keep.connections() - before).isBetween(1, 3);
        assertThat(keep.received()).hasSizeGreaterThanOrEqualTo(1000);
    }

    @Test
    void answersPipelinedRequestsInOrder() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                sb.append("GET /api/p").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            c.send(sb.toString());
            for (int i = 0; i < 10; i++) {
                RawHttp.Response r = c.read();
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).contains("\"uri\":\"/p" + i + "\"");
            }
        }
    }

    @Test
    void pipelinedLocalErrorsAndForwardsStayInOrder() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            c.send("GET /api/one HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /api/three HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().text()).contains("/one");
            assertThat(c.read().status()).isEqualTo(404);
            assertThat(c.read().text()).contains("/three");
        }
    }

    @Test
    void http10ClientGetsKeepAliveOnlyWhenAsked() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("GET /api/ten HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualToIgnoringCase("keep-alive");
            RawHttp.Response r2 = c.send("GET /api/ten2 HTTP/1.0\r\n\r\n").read();
            assertThat(r2.status()).isEqualTo(200);
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertThat(a.last().uri()).isEqualTo("/ten2");
    }

    @Test
    void chunkedUpstreamResponseReachesHttp10ClientCloseDelimited() throws Exception {
        a.behavior((ctx, req, up) -> up.sendStream(ctx, 5000, true));
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("GET /public/stream HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("transfer-encoding")).isNull();
            assertThat(r.body()).hasSize(5000);
        } finally {
            a.behavior(TestUpstream.echoBehavior("a"));
        }
    }

    @Test
    void headRequestGetsHeadersWithoutBody() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("HEAD /api/h HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-length")).isNotNull();
            // The connection is still usable: the next response is parsed from the next bytes.
            RawHttp.Response next = c.send("GET /api/after HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(next.text()).contains("/after");
        }
        assertThat(a.received().get(0).method()).isEqualTo("HEAD");
    }

    @Test
    void expectContinueGetsInterimResponseAndBodyIsForwarded() throws Exception {
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            String interim = new String(c.input().readNBytes(25), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(interim).startsWith("HTTP/1.1 100 Continue");
            c.send("hello");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(200);
        }
        assertThat(a.last().bodyBytes()).isEqualTo(5);
        assertThat(a.last().headers().contains("expect")).isFalse();
    }

    @Test
    void chunkedRequestBodyIsForwardedWhole() throws Exception {
        RawHttp.Response r = RawHttp.exchange(port, "POST /api/chunked HTTP/1.1\r\nHost: x\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(a.last().bodyBytes()).isEqualTo(11);
    }
}
