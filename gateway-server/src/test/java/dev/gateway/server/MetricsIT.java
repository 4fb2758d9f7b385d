package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Promtool;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics on the admin listener: names, tags and exact counts after a known sequence of requests. */
class MetricsIT {
    static TestUpstream upstream;
    static GatewayServer gateway;
    static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        // The upstream binds first: a port freed before it started could be the one it gets (seen once).
        upstream = TestUpstream.echo("u");
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  orders: { targets: ["${U}"] }
                  dead: { targets: ["http://127.0.0.1:${DEAD}"] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: orders }
                  - { id: dead, paths: [/dead/**], upstream: dead }
                limits:
                  - { id: orders-q, routes: [orders], rate: 1000/s, on-exceed: queue }
                """), Map.of("U", upstream.url(), "DEAD", Integer.toString(deadPort)));
        // The known sequence: 3 GET + 2 POST to orders, 1 to a dead upstream, 2 that match no route.
        for (int i = 0; i < 3; i++) {
            call("GET /orders/" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }
        for (int i = 0; i < 2; i++) {
            call("POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
        }
        call("GET /dead/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        call("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        call("DELETE /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private static void call(String raw) throws Exception {
        RawHttp.exchange(gateway.port(), raw);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    private static String scrape(String accept) throws Exception {
        String extra = accept == null ? "" : "Accept: " + accept + "\r\n";
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\n" + extra + "Connection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        return r.text();
    }

    /** Waits until the requests counter reached {@code n} (the last response may be written before it is counted). */
    private static String scrapeWhenCounted(String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String text;
        do {
            text = scrape(null);
            if (text.contains(line)) {
                return text;
            }
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return text;
    }

    @Test
    void countsRequestsPerRouteMethodAndStatusClass() throws Exception {
        String text = scrapeWhenCounted(
                "gateway_requests_seconds_count{method=\"DELETE\",route=\"-\",status=\"4xx\",variant=\"default\"} 1");
        assertThat(text).contains(
                "gateway_requests_seconds_count{method=\"GET\",route=\"orders\",status=\"2xx\",variant=\"default\"} 3",
                "gateway_requests_seconds_count{method=\"POST\",route=\"orders\",status=\"2xx\",variant=\"default\"} 2",
                "gateway_requests_seconds_count{method=\"GET\",route=\"dead\",status=\"5xx\",variant=\"default\"} 1",
                "gateway_requests_seconds_count{method=\"GET\",route=\"-\",status=\"4xx\",variant=\"default\"} 1",
                "gateway_requests_seconds_count{method=\"DELETE\",route=\"-\",status=\"4xx\",variant=\"default\"} 1");
        // Histogram buckets from sub-millisecond to a minute.
        assertThat(text).contains("gateway_requests_seconds_bucket{method=\"GET\",route=\"orders\",status=\"2xx\","
                + "variant=\"default\",le=\"2.5E-4\"}", "le=\"60.0\"", "le=\"+Inf\"} 3");
        // Raw paths never become tag values.
        assertThat(text).doesNotContain("/orders/1", "/nowhere");
    }

    @Test
    void recordsUpstreamOutcomesPerTarget() throws Exception {
        String text = scrapeWhenCounted("route=\"-\",status=\"4xx\",variant=\"default\"} 1");
        assertThat(text).contains("gateway_upstream_request_seconds_count{outcome=\"success\",target=\""
                + upstream.url() + "\",upstream=\"orders\"} 5");
        assertThat(text).contains("gateway_upstream_request_seconds_count{outcome=\"refused\",target=\"http://127.0.0.1:"
                + deadPort + "\",upstream=\"dead\"} 1");
    }

    @Test
    void samplesTheEventLoopDelay() throws Exception {
        // One sample per loop every 50 ms: within a few seconds the count has moved between two scrapes.
        long first = loopDelayCount(scrape(null));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long later = first;
        while (later <= first && System.nanoTime() < deadline) {
            Thread.sleep(20); // waiting for the loops' own timer: nothing to synchronise with
            later = loopDelayCount(scrape(null));
        }
        assertThat(later).isGreaterThan(first);
        String text = scrape(null);
        assertThat(text).contains("# TYPE gateway_event_loop_delay_seconds histogram",
                "gateway_event_loop_delay_seconds_bucket{le=\"5.0E-5\"}", "gateway_event_loop_delay_seconds_sum ");
        // The request histograms are the gateway's own: no Micrometer timer maximum beside them.
        assertThat(text).doesNotContain("gateway_requests_seconds_max", "gateway_upstream_request_seconds_max");
    }

    private static long loopDelayCount(String text) {
        return text.lines().filter(l -> l.startsWith("gateway_event_loop_delay_seconds_count "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElse(-1);
    }

    @Test
    void exposesGaugesCountersJvmAndNettyAllocator() throws Exception {
        String text = scrape(null);
        assertThat(text).contains("gateway_connections_active ", "gateway_requests_active ",
                "gateway_websocket_connections_active 0.0",
                "gateway_upstream_connections{state=\"open\",target=\"" + upstream.url() + "\",upstream=\"orders\"}",
                "gateway_upstream_connections{state=\"idle\"", "gateway_upstream_pending{",
                "gateway_config_reloads_total{result=\"success\"} 1.0",
                "jvm_memory_used_bytes{", "jvm_threads_live_threads ", "jvm_gc_", "process_cpu_usage ",
                "netty_allocator_memory_used{allocator_type=\"PooledByteBufAllocator\",id=");
    }

    @Test
    void countsRateLimitDecisionsAndExposesTheQueue() throws Exception {
        String text = scrapeWhenCounted("route=\"-\",status=\"4xx\",variant=\"default\"} 1");
        assertThat(text).contains(
                "gateway_ratelimit_decisions_total{limit=\"orders-q\",result=\"admitted\"} 5.0",
                "gateway_ratelimit_decisions_total{limit=\"orders-q\",result=\"rejected\"} 0.0",
                "gateway_ratelimit_decisions_total{limit=\"orders-q\",result=\"queued\"} 0.0",
                "gateway_ratelimit_decisions_total{limit=\"orders-q\",result=\"fallback\"} 0.0",
                "gateway_ratelimit_decisions_total{limit=\"orders-q\",result=\"error\"} 0.0",
                "gateway_ratelimit_queue_length{limit=\"orders-q\"} 0.0",
                "# TYPE gateway_ratelimit_queue_wait_seconds histogram");
    }

    @Test
    void servesOpenMetricsWhenAskedFor() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(), "GET /metrics HTTP/1.1\r\nHost: a\r\n"
                + "Accept: application/openmetrics-text; version=1.0.0\r\nConnection: close\r\n\r\n");
        assertThat(r.header("content-type")).startsWith("application/openmetrics-text");
        assertThat(r.text()).endsWith("# EOF\n");
        RawHttp.Response plain = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(plain.header("content-type")).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void passesPromtoolCheck(@TempDir Path dir) throws Exception {
        Promtool.assertClean(scrape(null), dir);
    }
}
