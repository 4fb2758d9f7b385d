package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Limits through a running gateway with a real upstream: refusals, headers, queueing, quotas, concurrency. */
class RateLimitIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();
    static TestUpstream upstream;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - { id: strict, paths: [/strict/**], upstream: u }
                  - { id: queued, paths: [/queued/**], upstream: u }
                  - { id: daily, paths: [/daily/**], upstream: u }
                  - { id: one-at-a-time, paths: [/serial/**], upstream: u }
                  - { id: free, paths: [/free/**], upstream: u }
                limits-settings: { legacy-headers: true }
                limits:
                  - { id: strict-rps, routes: [strict], key: [ip], rate: 1/m, burst: 2 }
                  - id: queue-rps
                    routes: [queued]
                    rate: 5/s
                    burst: 1
                    on-exceed: queue
                    queue: { max-wait: 2s, max-length: 2 }
                  - { id: daily-quota, routes: [daily], key: [header:X-Tenant], quota: 2/day, time-zone: Asia/Shanghai }
                  - { id: serial, routes: [one-at-a-time], concurrency: 1 }
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    static RawHttp.Response get(String path, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    static String accessLine(String requestId) {
        return Await.value(Duration.ofSeconds(5), "the access-log line of " + requestId,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("request_id=" + requestId + " ")).findFirst().orElse(null));
    }

    @Test
    void admittedResponsesCarryTheRateLimitFieldsThenA429NamesTheLimit() throws Exception {
        RawHttp.Response first = get("/strict/a");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("ratelimit-policy")).isEqualTo("\"strict-rps\";q=2;w=120");
        assertThat(first.header("ratelimit")).isEqualTo("\"strict-rps\";r=1;t=60");
        assertThat(first.header("x-ratelimit-limit")).isEqualTo("2");
        assertThat(first.header("x-ratelimit-remaining")).isEqualTo("1");
        assertThat(get("/strict/b").status()).isEqualTo(200);

        RawHttp.Response refused = get("/strict/c");
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("content-type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(refused.body());
        assertThat(body.path("error").asText()).isEqualTo("rate_limited");
        assertThat(body.path("message").asText()).contains("strict-rps");
        assertThat(body.path("request_id").asText()).isEqualTo(refused.header("x-request-id"));
        assertThat(Integer.parseInt(refused.header("retry-after"))).isBetween(59, 60);
        assertThat(refused.header("ratelimit-policy")).isEqualTo("\"strict-rps\";q=2;w=120");
        assertThat(refused.header("ratelimit")).startsWith("\"strict-rps\";r=0;t=");
        assertThat(refused.header("x-ratelimit-remaining")).isEqualTo("0");
        String line = accessLine(refused.header("x-request-id"));
        assertThat(line).contains("route=strict", "status=429", "limit=strict-rps");
        assertThat(accessLine(first.header("x-request-id"))).doesNotContain("limit=");
    }

    @Test
    void aRouteNoLimitSelectsIsUntouched() throws Exception {
        RawHttp.Response r = get("/free/x");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("ratelimit")).isNull();
        assertThat(r.header("ratelimit-policy")).isNull();
    }

    @Test
    void queuedRequestsAreServedLaterAndAFullQueueIsRefusedAtOnce() throws Exception {
        // Burst 1, 5/s, at most 2 waiting: of 4 requests sent at once, one goes now, two wait (200 and 400 ms)
        // and one is refused.
        List<RawHttp> conns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            conns.add(new RawHttp(gateway.port()).timeout(10_000));
        }
        try {
            for (RawHttp c : conns) {
                c.send("GET /queued/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            }
            List<CompletableFuture<RawHttp.Response>> answers = new ArrayList<>();
            for (RawHttp c : conns) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return c.read();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (CompletableFuture<RawHttp.Response> a : answers) {
                RawHttp.Response r = a.get(10, TimeUnit.SECONDS);
                statuses.add(r.status());
                if (r.status() == 429) {
                    assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("rate_limited");
                    assertThat(r.header("retry-after")).isEqualTo("1");
                }
            }
            assertThat(statuses).containsExactlyInAnyOrder(200, 200, 200, 429);
        } finally {
            for (RawHttp c : conns) {
                c.close();
            }
        }
        String metrics = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").text();
        assertThat(metrics).contains(
                "gateway_ratelimit_decisions_total{limit=\"queue-rps\",result=\"queued\"} 2.0",
                "gateway_ratelimit_decisions_total{limit=\"queue-rps\",result=\"rejected\"} 1.0",
                "gateway_ratelimit_decisions_total{limit=\"queue-rps\",result=\"admitted\"} 3.0",
                "gateway_ratelimit_queue_length{limit=\"queue-rps\"} 0.0",
                "gateway_ratelimit_queue_wait_seconds_count{limit=\"queue-rps\"} 2");
    }

    @Test
    void aQuotaRefusesWithQuotaExceededPerKey() throws Exception {
        assertThat(get("/daily/1", "X-Tenant: a").status()).isEqualTo(200);
        RawHttp.Response second = get("/daily/2", "X-Tenant: a");
        assertThat(second.header("ratelimit-policy")).isEqualTo("\"daily-quota\";q=2;w=86400");
        assertThat(second.header("ratelimit")).startsWith("\"daily-quota\";r=0;t=");
        RawHttp.Response third = get("/daily/3", "X-Tenant: a");
        assertThat(third.status()).isEqualTo(429);
        assertThat(JSON.readTree(third.body()).path("error").asText()).isEqualTo("quota_exceeded");
        assertThat(get("/daily/4", "X-Tenant: b").status()).as("another tenant").isEqualTo(200);
    }

    @Test
    void aConcurrencySlotIsReleasedWhenTheExchangeEnds() throws Exception {
        try (RawHttp c = new RawHttp(gateway.port()).timeout(5_000)) {
            for (int i = 0; i < 5; i++) {
                c.send("GET /serial/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(c.read().status()).as("request %d", i).isEqualTo(200);
            }
        }
    }
}
