package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.core.config.ConfigException;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cors filter through a running gateway with raw HTTP: what strict mode refuses never reaches the upstream, what
 * permissive mode lets through, and the headers of both. The browser's view is in {@link CorsBrowserIT}.
 */
class CorsIT {
    static TestUpstream upstream;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        // Every answer varies on Accept-Encoding: the gateway must add Origin to it, not replace it.
        upstream = TestUpstream.start("u", (ctx, r, up) -> {
            byte[] body = ("{\"uri\":\"" + r.uri() + "\"}").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            resp.headers().set("content-type", "application/json").setInt("content-length", body.length)
                    .set("vary", "Accept-Encoding");
            ctx.writeAndFlush(resp);
        });
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - id: strict
                    paths: [/strict/**]
                    methods: [GET, POST, PUT]
                    upstream: u
                    filters:
                      cors:
                        allow-origins: ["https://app.example.com", "https://*.example.com"]
                        allow-methods: [GET, POST, PUT]
                        allow-headers: [content-type, x-custom]
                        allow-credentials: true
                  - id: permissive
                    paths: [/permissive/**]
                    upstream: u
                    filters:
                      cors:
                        mode: permissive
                        allow-origins: ["https://app.example.com"]
                  - id: any
                    paths: [/any/**]
                    upstream: u
                    filters:
                      cors: { allow-origins: ["*"] }
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static RawHttp.Response send(String method, String target, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: gw.test\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    static RawHttp.Response preflight(String target, String origin, String method, String headers)
            throws Exception {
        return send("OPTIONS", target, "Origin: " + origin, "Access-Control-Request-Method: " + method,
                "Access-Control-Request-Headers: " + headers);
    }

    /** How many requests to {@code path} the upstream has received. */
    static long seen(String path) {
        return upstream.received().stream().filter(r -> r.uri().equals(path)).count();
    }

    @Test
    void strictRefusesAPostFromAnOriginNotAllowedAndTheUpstreamNeverSeesIt() throws Exception {
        RawHttp.Response r;
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST /strict/evil-post HTTP/1.1\r\nHost: gw.test\r\nOrigin: https://evil.example\r\n"
                    + "X-Request-Id: cors-1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
            r = c.read();
        }
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.text()).isEqualTo("{\"error\":\"cors_origin_denied\",\"message\":\"the request's Origin is not"
                + " allowed on this route\",\"request_id\":\"cors-1\"}\n");
        assertThat(r.headers().get("vary")).containsExactly("Origin");
        assertThat(r.header("access-control-allow-origin")).isNull();
        assertThat(seen("/strict/evil-post")).isZero();
    }

    @Test
    void strictRefusesLookalikeOriginsOfTheSubdomainPattern() throws Exception {
        for (String origin : List.of("https://example.com.evil.net", "https://example.com", "http://a.example.com",
                "https://a.example.com:8443", "null")) {
            RawHttp.Response r = send("GET", "/strict/lookalike", "Origin: " + origin);
            assertThat(r.status()).as(origin).isEqualTo(403);
            assertThat(r.text()).as(origin).contains("\"error\":\"cors_origin_denied\"");
        }
        assertThat(seen("/strict/lookalike")).isZero();
    }

    @Test
    void strictRefusesPreflightsWithTheirCode() throws Exception {
        RawHttp.Response origin = preflight("/strict/pre", "https://evil.example", "PUT", "content-type");
        RawHttp.Response method = preflight("/strict/pre", "https://app.example.com", "DELETE", "content-type");
        RawHttp.Response header = preflight("/strict/pre", "https://app.example.com", "PUT", "x-secret");
        assertThat(List.of(origin.status(), method.status(), header.status())).containsOnly(403);
        assertThat(origin.text()).contains("\"error\":\"cors_origin_denied\"");
        assertThat(method.text()).contains("\"error\":\"cors_method_denied\"");
        assertThat(header.text()).contains("\"error\":\"cors_header_denied\"");
        for (RawHttp.Response r : List.of(origin, method, header)) {
            assertThat(r.header("vary")).isEqualTo(
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
            assertThat(r.header("access-control-allow-origin")).isNull();
        }
        assertThat(seen("/strict/pre")).isZero();
    }

    @Test
    void allowedPreflightIsAnsweredByTheGateway() throws Exception {
        RawHttp.Response r = preflight("/strict/pre-ok", "https://a.b.example.com", "PUT", "content-type,x-custom");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://a.b.example.com");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.header("access-control-allow-methods")).isEqualTo("GET, POST, PUT");
        assertThat(r.header("access-control-allow-headers")).isEqualTo("content-type, x-custom");
        assertThat(seen("/strict/pre-ok")).isZero();
    }

    @Test
    void allowedOriginGetsTheUpstreamsAnswerWithCredentialsAndVaryOrigin() throws Exception {
        RawHttp.Response r = send("POST", "/strict/ok", "Origin: https://app.example.com", "Content-Length: 0");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{\"uri\":\"/strict/ok\"}");
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(r.header("access-control-allow-credentials")).isEqualTo("true");
        assertThat(r.headers().get("vary")).containsExactly("Accept-Encoding", "Origin");
        assertThat(seen("/strict/ok")).isEqualTo(1);
    }

    @Test
    void requestWithoutOriginPassesAndVariesOnOrigin() throws Exception {
        RawHttp.Response r = send("GET", "/strict/no-origin");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("access-control-allow-origin")).isNull();
        assertThat(r.headers().get("vary")).containsExactly("Accept-Encoding", "Origin");
        assertThat(seen("/strict/no-origin")).isEqualTo(1);
    }

    @Test
    void anyOriginRouteAnswersStarAndLeavesVaryAlone() throws Exception {
        RawHttp.Response r = send("GET", "/any/x", "Origin: https://whoever.test");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("*");
        assertThat(r.headers().get("vary")).containsExactly("Accept-Encoding");
        assertThat(send("GET", "/any/x", "Origin: null").status()).isEqualTo(403);
    }

    @Test
    void permissiveForwardsAnOriginNotAllowedWithoutCorsHeaders() throws Exception {
        RawHttp.Response r = send("POST", "/permissive/evil-post", "Origin: https://evil.example",
                "Content-Length: 0");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("access-control-allow-origin")).isNull();
        assertThat(r.headers().get("vary")).containsExactly("Accept-Encoding", "Origin");
        assertThat(seen("/permissive/evil-post")).isEqualTo(1);
        RawHttp.Response pre = preflight("/permissive/pre", "https://evil.example", "POST", "content-type");
        assertThat(pre.status()).isEqualTo(204);
        assertThat(pre.header("access-control-allow-origin")).isNull();
    }

    @Test
    void invalidOriginPatternKeepsTheGatewayFromStarting() {
        assertThatThrownBy(() -> Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - id: r
                    paths: [/r]
                    upstream: u
                    filters:
                      cors:
                        allow-origins: ["https://*.example.com/"]
                """))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.yml:16: routes[0].filters.cors.allow-origins[0]: an origin is"
                        + " scheme://host[:port] with no path, found 'https://*.example.com/'");
    }
}
