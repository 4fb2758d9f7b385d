package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Cli;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code cleartext: upgrade}: h2c by {@code Upgrade: h2c}, prior knowledge, and plain HTTP/1.1 on one listener. */
class Http2UpgradeIT {
    static final Duration MAX = Duration.ofSeconds(60);
    static TestUpstream upstream;
    static GatewayServer gateway;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        Cli.need("curl");
        Cli.need("nghttp");
        upstream = TestUpstream.echo("orders");
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: upgrade}", """
                upstreams:
                  orders: {targets: ["%s"]}
                routes:
                  - {id: orders, paths: [/orders/**], upstream: orders}
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
    void curlUpgradesToH2c() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2", base + "/orders/up"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/1.1 101").contains("HTTP/2 200").contains("\"uri\":\"/orders/up\"");
    }

    @Test
    void anUpgradeRequestWithABodyIsServedAsStreamOne() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2", "--data-binary", "x".repeat(1000),
                base + "/orders/post"));

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("HTTP/2 200").contains("\"body_bytes\":1000");
    }

    @Test
    void nghttpUpgrades() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("nghttp", "-u", "-v", base + "/orders/n"));

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("HTTP Upgrade success").contains("\"uri\":\"/orders/n\"");
    }

    @Test
    void priorKnowledgeStillWorks() throws Exception {
        Cli.Result r = Cli.run(MAX, List.of("curl", "-sS", "-i", "--http2-prior-knowledge", base + "/orders/pk"));

        assertThat(r.out()).as(r.err()).startsWith("HTTP/2 200");
    }

    @Test
    void plainHttp11StillWorksOnTheSameListener() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.port(),
                "GET /orders/h1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("\"uri\":\"/orders/h1\"");
    }

    @Test
    void anUpgradeWithMalformedSettingsStaysHttp11() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "GET /orders/bad-settings HTTP/1.1\r\nHost: a\r\n"
                + "Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: !!!\r\n\r\n");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).contains("\"uri\":\"/orders/bad-settings\"");
    }
}
