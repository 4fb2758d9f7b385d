package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** W3C traceparent handling, and the JSON access log written to a rolling file. */
class TracingAndAccessLogFormatIT {
    static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static TestUpstream upstream;
    static GatewayServer gateway;
    static Path logFile;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("u");
        logFile = Files.createTempDirectory("gw-access").resolve("access.log");
        String yaml = """
                server:
                  listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                access-log:
                  format: json
                  output: file
                  file: ${LOG}
                tracing:
                  start-traceparent: true
                  sampled: true
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - { id: all, paths: [/**], upstream: u }
                """;
        gateway = Gateways.start(yaml, Map.of("U", upstream.url(), "LOG", logFile.toString()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    private static RawHttp.Response get(String path, String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void passesValidTraceparentAndTracestateUnchanged() throws Exception {
        get("/t1", "traceparent: " + VALID, "tracestate: vendor=abc");
        assertThat(upstream.last().headers().get("traceparent")).isEqualTo(VALID);
        assertThat(upstream.last().headers().get("tracestate")).isEqualTo("vendor=abc");
    }

    @Test
    void startsTraceparentWhenAbsent() throws Exception {
        get("/t2");
        String tp = upstream.last().headers().get("traceparent");
        assertThat(tp).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    }

    @Test
    void replacesInvalidTraceparentAndDropsItsTracestate() throws Exception {
        for (String bad : List.of("00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "ff-" + VALID.substring(3), "garbage",
                VALID + "-extra")) {
            get("/t3", "traceparent: " + bad, "tracestate: vendor=abc");
            String tp = upstream.last().headers().get("traceparent");
            assertThat(tp).as(bad).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01").isNotEqualTo(bad);
            assertThat(upstream.last().headers().contains("tracestate")).as(bad).isFalse();
        }
    }

    @Test
    void writesJsonAccessLinesToTheFile() throws Exception {
        get("/json-line?secret=1", "X-Request-Id: json-1", "traceparent: " + VALID);
        JsonNode line = awaitLine("json-1");
        assertThat(line.get("request_id").asText()).isEqualTo("json-1");
        assertThat(line.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(line.get("method").asText()).isEqualTo("GET");
        assertThat(line.get("path").asText()).isEqualTo("/json-line");
        assertThat(line.get("route").asText()).isEqualTo("all");
        assertThat(line.get("upstream").asText()).isEqualTo(upstream.url());
        assertThat(line.get("status").asInt()).isEqualTo(200);
        assertThat(line.get("total_ms").asDouble()).isPositive();
        assertThat(line.has("variant")).isTrue();
        assertThat(line.has("app")).isTrue();
        assertThat(line.toString()).doesNotContain("secret");
    }

    private static JsonNode awaitLine(String requestId) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (Files.exists(logFile)) {
                for (String l : Files.readAllLines(logFile)) {
                    if (l.contains("\"" + requestId + "\"")) {
                        return json.readTree(l);
                    }
                }
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no access line for " + requestId + " in " + logFile);
    }
}
