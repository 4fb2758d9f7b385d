package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Limits and malformed requests: each gets its status and JSON error, and nothing reaches the upstream. */
class RequestLimitsIT {
    static TestUpstream upstream;
    static GatewayServer gateway;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("""
                max-request-line: 256
                max-header-size: 1KB
                max-body-size: 1KB
                idle-timeout: 1s
                header-read-timeout: 1s
                max-connections: 20
                """, """
                upstreams:
                  u:
                    targets: ["${U}"]
                routes:
                  - id: all
                    paths: [/**]
                    upstream: u
                """), Map.of("U", upstream.url()));
        port = gateway.port();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @BeforeEach
    void clear() {
        upstream.received().clear();
    }

    private static void assertRejectedAndClosed(String raw, int status, String code) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send(raw).read();
            assertThat(r.status()).isEqualTo(status);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(r.text()).startsWith("{\"error\":\"" + code + "\",\"message\":\"");
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void longRequestLineGets414() throws IOException {
        assertRejectedAndClosed("GET /" + "a".repeat(400) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long");
    }

    @Test
    void largeHeadersGet431() throws IOException {
        assertRejectedAndClosed("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(2000) + "\r\n\r\n", 431,
                "headers_too_large");
    }

    @Test
    void declaredBodyOverLimitGets413BeforeAnyBodyIsSent() throws IOException {
        assertRejectedAndClosed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", 413,
                "payload_too_large");
    }

    @Test
    void chunkedBodyOverLimitGets413WhileStreaming() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = Integer.toHexString(600) + "\r\n" + "x".repeat(600) + "\r\n";
            c.send(chunk + chunk);
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(413);
            assertThat(r.text()).contains("payload_too_large");
            assertThat(c.isClosedByPeer()).isTrue();
        }
        // The upstream may have seen the head, but never a complete request.
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void bodyAtTheLimitPasses() throws IOException {
        RawHttp.Response r = RawHttp.exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n"
                + "Connection: close\r\n\r\n" + "y".repeat(1024));
        assertThat(r.status()).isEqualTo(200);
        assertThat(upstream.last().bodyBytes()).isEqualTo(1024);
    }

    @Test
    void malformedRequestLineGets400() throws IOException {
        assertRejectedAndClosed("THIS IS NOT HTTP\r\n\r\n", 400, "bad_request");
    }

    @Test
    void invalidHeaderNameGets400() throws IOException {
        assertRejectedAndClosed("GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400, "bad_request");
        assertRejectedAndClosed("GET / HTTP/1.1\r\nHost: x\r\nX(y): v\r\n\r\n", 400, "bad_request");
    }

    @Test
    void headerValueWithControlCharacterGets400() throws IOException {
        assertRejectedAndClosed("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n", 400, "bad_request");
    }

    @Test
    void contentLengthWithTransferEncodingGets400() throws IOException {
        assertRejectedAndClosed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\n", 400, "bad_request");
    }

    @Test
    void differingDuplicateContentLengthsGet400() throws IOException {
        assertRejectedAndClosed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                400, "bad_request");
    }

    @Test
    void transferEncodingOtherThanChunkedGets400() throws IOException {
        assertRejectedAndClosed("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
                "bad_request");
    }

    @Test
    void invalidChunkedEncodingGets400() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            RawHttp.Response r = c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "zz\r\nhello\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void missingHostOnHttp11Gets400() throws IOException {
        assertRejectedAndClosed("GET / HTTP/1.1\r\n\r\n", 400, "bad_request");
    }

    @Test
    void duplicateHostGets400() throws IOException {
        assertRejectedAndClosed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request");
    }

    @Test
    void unsupportedExpectationGets417() throws IOException {
        assertRejectedAndClosed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: magic\r\n\r\n", 417,
                "expectation_failed");
    }

    @Test
    void slowHeadersGet408AndClose() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("GET / HTTP/1.1\r\nHost: x\r\n"); // never finished
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.text()).contains("request_timeout");
            assertThat(c.isClosedByPeer()).isTrue();
        }
    }

    @Test
    void stalledRequestBodyGets408AndClose() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            c.send("POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part");
            RawHttp.Response r = c.read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.text()).contains("request_timeout");
            assertThat(c.isClosedByPeer()).isTrue();
        }
        assertThat(upstream.received()).isEmpty();
    }

    @Test
    void idleKeepAliveConnectionIsClosedSilently() throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            assertThat(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            long start = System.nanoTime();
            // The next read blocks until the gateway closes the idle connection (1 s), with no bytes sent.
            assertThat(c.input().read()).isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 5_000L);
        }
    }

    @Test
    void connectionsBeyondTheLimitGet503() throws IOException {
        List<RawHttp> held = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                RawHttp c = new RawHttp(port);
                held.add(c);
                // A round trip proves the gateway has counted this connection.
                assertThat(c.send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            }
            try (RawHttp extra = new RawHttp(port)) {
                RawHttp.Response r = extra.read();
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.text()).contains("too_many_connections");
            }
        } finally {
            for (RawHttp c : held) {
                c.close();
            }
            // The gateway counts a connection down when it sees the close: wait for that, so that the next test
            // does not meet the limit this one filled.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
            while (gateway.state().connectionCount().get() > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        assertThat(gateway.state().connectionCount().get()).isZero();
    }
}
