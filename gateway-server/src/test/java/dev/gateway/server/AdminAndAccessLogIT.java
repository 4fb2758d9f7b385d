package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Health endpoints on the admin listener and the access-log line. */
class AdminAndAccessLogIT {
    static TestUpstream upstream;
    static GatewayServer gateway;
    static ListAppender<ILoggingEvent> access = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger("gateway.access");
        access.start();
        logger.addAppender(access);
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u }
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    @Test
    void liveAndReadyAnswer200WhileRunning() throws Exception {
        RawHttp.Response live = RawHttp.exchange(gateway.adminPort(),
                "GET /health/live HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        RawHttp.Response ready = RawHttp.exchange(gateway.adminPort(),
                "GET /health/ready HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(live.status()).isEqualTo(200);
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.text()).contains("ready");
    }

    @Test
    void unknownAdminPathIs404Json() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.text()).contains("\"error\":\"not_found\"");
    }

    @Test
    void writesOneAccessLineWithRequestRouteUpstreamStatusAndTimings() throws Exception {
        RawHttp.exchange(gateway.port(), "POST /orders/7?secret=token HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-1\r\n"
                + "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
        String line = awaitLine("request_id=log-1");
        assertThat(line).contains("client=127.0.0.1", "method=POST", "path=/orders/7", "route=orders", "trace_id=",
                "upstream=" + upstream.url(), "status=200", "bytes_in=3", "total_ms=", "upstream_ms=");
        assertThat(line).matches(".*bytes_out=[1-9][0-9]* .*");
        assertThat(line).doesNotContain("secret=token");
    }

    @Test
    void logsGatewayErrorsToo() throws Exception {
        RawHttp.exchange(gateway.port(), "GET /missing HTTP/1.1\r\nHost: x\r\nX-Request-Id: log-2\r\n"
                + "Connection: close\r\n\r\n");
        String line = awaitLine("request_id=log-2");
        assertThat(line).contains("route=-", "upstream=-", "status=404", "upstream_ms=-");
    }

    @Test
    void aMalformedRequestIsLoggedAndCountedWithTheIdItWasAnsweredWith() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "GET /orders/1 HTTP/1.1\r\nHost: x\r\n"
                + "Bad Header: y\r\n\r\n");

        assertThat(r.status()).isEqualTo(400);
        String id = r.header("x-request-id");
        assertThat(id).hasSize(32);
        assertThat(r.text()).contains("\"request_id\":\"" + id + "\"");
        assertThat(awaitLine("request_id=" + id)).contains("route=-", "status=400");
        String metrics = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").text();
        assertThat(metrics).containsPattern(
                "gateway_requests_seconds_count\\{method=\"GET\",route=\"-\",status=\"4xx\",variant=\"default\"} [1-9]");
    }

    private static String awaitLine(String needle) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            List<ILoggingEvent> events = List.copyOf(access.list);
            for (ILoggingEvent e : events) {
                if (e.getFormattedMessage().contains(needle)) {
                    return e.getFormattedMessage();
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no access log line containing " + needle + " in " + access.list);
    }
}
