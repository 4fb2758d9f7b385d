package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A trusted peer's X-Forwarded-* are extended, not replaced; idle pooled connections are evicted. */
class TrustedProxyAndPoolIT {
    static TestUpstream upstream;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("trusted-proxies: [127.0.0.0/8, \"::1\"]", """
                upstreams:
                  u:
                    targets: ["${U}"]
                    idle-timeout: 300ms
                routes:
                  - { id: all, paths: [/**], upstream: u }
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void appendsPeerToTrustedForwardedForAndKeepsTrustedProtoHostPort() throws Exception {
        RawHttp.exchange(gateway.port(), "GET /t HTTP/1.1\r\nHost: inner\r\nX-Forwarded-For: 203.0.113.9\r\n"
                + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example.com\r\nX-Forwarded-Port: 443\r\n"
                + "Connection: close\r\n\r\n");
        var h = upstream.last().headers();
        assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("https");
        assertThat(h.get("x-forwarded-host")).isEqualTo("shop.example.com");
        assertThat(h.get("x-forwarded-port")).isEqualTo("443");
    }

    @Test
    void trustedPeerWithoutForwardedHeadersGetsItsOwnValues() throws Exception {
        RawHttp.exchange(gateway.port(), "GET /t HTTP/1.1\r\nHost: inner\r\nConnection: close\r\n\r\n");
        var h = upstream.last().headers();
        assertThat(h.get("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-host")).isEqualTo("inner");
    }

    @Test
    void evictsIdlePooledConnectionsAfterIdleTimeout() throws Exception {
        RawHttp.exchange(gateway.port(), "GET /idle HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int open = Integer.MAX_VALUE;
        while (System.nanoTime() < deadline) {
            open = gateway.upstreamClient().pools().stream().mapToInt(p -> p.open()).sum();
            if (open == 0) {
                break;
            }
            Thread.onSpinWait();
        }
        assertThat(open).isZero();
        // The next request simply opens a new connection.
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "GET /again HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
    }
}
