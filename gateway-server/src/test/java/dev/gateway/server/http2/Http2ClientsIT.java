package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Cli;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real HTTP/2 clients (curl, nghttp, h2load) over h2c with prior knowledge, through a running gateway. */
class Http2ClientsIT {
    static final Duration MAX = Duration.ofSeconds(60);
    static TestUpstream upstream;
    static GatewayServer gateway;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Cli.need("curl");
        Cli.need("nghttp");
        Cli.need("h2load");
        upstream = TestUpstream.echo("orders");
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                apps:
                  - key: shop-app
                    secrets: [s3cret]
                    routes: [signed]
                upstreams:
                  orders: {targets: ["%s"]}
                routes:
                  - id: orders
                    paths: [/orders/**]
                    upstream: orders
                  - id: signed
                    paths: [/signed/**]
                    mock: {body: '{"app":"${app}"}'}
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                  - id: coupons
                    paths: [/coupons/**]
                    mock: {status: 201, headers: {Content-Type: application/json}, body: '{"path":"${path}"}'}
                """.formatted(upstream.url())));
        base = "http://127.0.0.1:" + gateway.port();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void curlGetsAnUpstreamResponseOverH2c() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge", base + "/orders/7?x=1"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/2 200").containsIgnoringCase("x-request-id: ")
                .containsIgnoringCase("x-upstream: orders").contains("\"uri\":\"/orders/7?x=1\"");
        // :authority became the Host the forwarded headers report; the upstream got HTTP/1.1.
        assertThat(upstream.last().headers().get("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + gateway.port());
        assertThat(upstream.last().headers().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void curlPostsABodyOverH2c() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "--http2-prior-knowledge", "--data-binary",
                "0123456789".repeat(10_000), base + "/orders/new"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\"body_bytes\":100000");
    }

    @Test
    void mockRouteAnswersOverH2c() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge", base + "/coupons/a"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/2 201").contains("{\"path\":\"/coupons/a\"}");
    }

    @Test
    void unknownPathIsAJson404OverH2c() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge", base + "/nowhere"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/2 404").contains("\"error\":\"no_route\"");
    }

    @Test
    void hmacSignedRequestOverH2cSignsTheHttp2RequestLine() throws Exception {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", "/signed/x", "HTTP/2.0",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, "s3cret".getBytes(StandardCharsets.UTF_8),
                signing);
        String auth = "Authorization: hmac username=\"shop-app\", algorithm=\"hmac-sha256\", "
                + "headers=\"x-date request-line\", signature=\"" + sig + "\"";

        Cli.Result signed = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge", "-H",
                "X-Date: " + date, "-H", auth, base + "/signed/x"));
        Cli.Result unsigned = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge",
                base + "/signed/x"));

        assertThat(signed.out()).as(signed.err()).startsWith("HTTP/2 200").contains("{\"app\":\"shop-app\"}");
        assertThat(unsigned.out()).startsWith("HTTP/2 401");
    }

    @Test
    void nghttpGetsSeveralStreamsOnOneConnection() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("nghttp", "-n", "-s", base + "/orders/1", base + "/orders/2",
                base + "/coupons/3"));

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        // -s prints one line per stream: three responses on one connection.
        assertThat(r.out().lines().filter(l -> l.contains("/orders/") || l.contains("/coupons/"))).hasSize(3);
    }

    @Test
    void h2loadBoundedLoadIsAll2xx() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("h2load", "-n", "2000", "-c", "4", "-m", "10", base + "/orders/load"));

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("2000 succeeded, 0 failed, 0 errored").contains("status codes: 2000 2xx");
    }
}
