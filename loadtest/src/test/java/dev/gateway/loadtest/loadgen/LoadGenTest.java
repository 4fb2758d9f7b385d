package dev.gateway.loadtest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the generator against real upstreams on 127.0.0.1 and reads back what it wrote. */
class LoadGenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aOneSecondStallShowsAsTheLatencyItCaused() throws Exception {
        // Warm-up 1 s, then 5 s measured at 1,000/s; the upstream holds everything from 2 s into the measured
        // window (3 s after its first request) for 1 s. The requests it held, and those that queued behind them
        // for a connection, really waited: p99 must show it.
        try (TestUpstream upstream = TestUpstream.stalling(Duration.ofSeconds(3), Duration.ofSeconds(1))) {
            JsonNode s = run("--url", upstream.url("/stall"), "--rate", "1000", "--duration", "5s",
                    "--connections", "64", "--warmup", "1s");
            assertThat(upstream.held.get()).as("requests the upstream held").isGreaterThan(0);
            assertThat(s.get("errors").asLong()).isZero();
            assertThat(s.get("count").asLong()).isBetween(4999L, 5001L);
            assertThat(s.get("p99_ms").asDouble()).isGreaterThanOrEqualTo(500);
            assertThat(s.get("max_ms").asDouble()).isGreaterThanOrEqualTo(900);
        }
    }

    @Test
    void theSameRunWithoutAStallHasALowP99() throws Exception {
        try (TestUpstream upstream = TestUpstream.answering(200)) {
            JsonNode s = run("--url", upstream.url("/"), "--rate", "1000", "--duration", "5s",
                    "--connections", "64", "--warmup", "1s");
            assertThat(s.get("errors").asLong()).isZero();
            assertThat(s.get("count").asLong()).isBetween(4999L, 5001L);
            // Below the bar the stalled run must reach, so that reaching it says something about the stall. (Not
            // lower: on a busy 2-core box, with paranoid leak detection, a healthy run's p99 has reached 380 ms.)
            assertThat(s.get("p99_ms").asDouble()).isLessThan(500);
        }
    }

    @Test
    void achievesTheOfferedRateOnAnEasyTargetAndWritesTheSummaryAndHistograms() throws Exception {
        try (TestUpstream upstream = TestUpstream.answering(200)) {
            JsonNode s = run("--url", upstream.url("/easy?x=1"), "--rate", "500", "--duration", "3s",
                    "--connections", "16", "--threads", "2", "--warmup", "500ms");
            assertThat(s.get("offered_rps").asInt()).isEqualTo(500);
            assertThat(s.get("achieved_rps").asDouble()).isCloseTo(500, within(50.0));
            assertThat(s.get("requests").asLong()).isBetween(1499L, 1501L);
            assertThat(s.get("count").asLong()).isEqualTo(s.get("requests").asLong());
            assertThat(s.get("status").get("2xx").asLong()).isEqualTo(s.get("count").asLong());
            for (String field : List.of("type", "mode", "url", "method", "offered_rps", "achieved_rps", "duration_s",
                    "warmup_s", "connections", "threads", "transport", "count", "p50_ms", "p90_ms", "p99_ms",
                    "p999_ms", "max_ms", "errors", "errors_by_kind", "stopped_early", "command")) {
                assertThat(s.has(field)).as(field).isTrue();
            }
            for (String kind : List.of("connect", "timeout", "status_4xx", "status_5xx", "io", "backlog")) {
                assertThat(s.get("errors_by_kind").get(kind).asLong()).as(kind).isZero();
            }
            assertThat(s.get("threads").asInt()).isEqualTo(2);
            assertThat(s.get("connections").asInt()).isEqualTo(16);
            assertThat(s.get("stopped_early").asBoolean()).isFalse();
            assertThat(s.get("p50_ms").asDouble()).isPositive().isLessThanOrEqualTo(s.get("p99_ms").asDouble());
            assertThat(s.get("command").asText()).startsWith("java -jar loadgen.jar --url http://127.0.0.1:");

            List<Histogram> intervals = readHlog(dir.resolve("run.hlog"));
            assertThat(intervals).hasSizeGreaterThanOrEqualTo(3);
            assertThat(intervals.stream().mapToLong(Histogram::getTotalCount).sum())
                    .isEqualTo(s.get("count").asLong());
        }
    }

    @Test
    void runsClosedLoopWithCeiling() throws Exception {
        try (TestUpstream upstream = TestUpstream.answering(200)) {
            JsonNode s = run("--url", upstream.url("/"), "--ceiling", "--duration", "1s", "--connections", "4",
                    "--warmup", "200ms");
            assertThat(s.get("mode").asText()).isEqualTo("ceiling");
            assertThat(s.get("offered_rps").isNull()).isTrue();
            assertThat(s.get("count").asLong()).isPositive().isEqualTo(s.get("requests").asLong());
            assertThat(s.get("achieved_rps").asDouble()).isPositive();
            assertThat(s.get("errors").asLong()).isZero();
            assertThat(upstream.requests.get()).isGreaterThanOrEqualTo(s.get("count").asLong());
        }
    }

    @Test
    void readsHeadResponsesAsBodiless() throws Exception {
        try (TestUpstream upstream = TestUpstream.answering(200)) {
            JsonNode s = run("--url", upstream.url("/"), "--method", "HEAD", "--rate", "100", "--duration", "1s",
                    "--connections", "1", "--warmup", "0s", "--timeout", "2s");
            // One connection: had the generator waited for the 11 bytes HEAD announces, every request would time out.
            assertThat(s.get("count").asLong()).isBetween(99L, 101L);
            assertThat(s.get("errors").asLong()).isZero();
            assertThat(upstream.heads.get()).isEqualTo(upstream.requests.get());
        }
    }

    @Test
    void countsA503AsAStatus5xxError() throws Exception {
        try (TestUpstream upstream = TestUpstream.answering(503)) {
            JsonNode s = run("--url", upstream.url("/"), "--rate", "200", "--duration", "1s",
                    "--connections", "4", "--warmup", "0s");
            long count = s.get("count").asLong();
            assertThat(count).isBetween(199L, 201L);
            assertThat(s.get("errors_by_kind").get("status_5xx").asLong()).isEqualTo(count);
            assertThat(s.get("errors").asLong()).isEqualTo(count);
            assertThat(s.get("status").get("5xx").asLong()).isEqualTo(count);
        }
    }

    @Test
    void countsAClosedPortAsConnectErrors() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        JsonNode s = run("--url", "http://127.0.0.1:" + port + "/", "--rate", "100", "--duration", "1s",
                "--connections", "4", "--warmup", "0s");
        assertThat(s.get("count").asLong()).isZero();
        assertThat(s.get("errors_by_kind").get("connect").asLong()).isBetween(99L, 101L);
        assertThat(s.get("errors").asLong()).isEqualTo(s.get("errors_by_kind").get("connect").asLong());
        assertThat(s.get("p99_ms").isNull()).isTrue();
    }

    @Test
    void countsAnUnansweredRequestAsATimeout() throws Exception {
        try (TestUpstream upstream = TestUpstream.stalling(Duration.ZERO, Duration.ofSeconds(30))) {
            JsonNode s = run("--url", upstream.url("/"), "--rate", "50", "--duration", "1s", "--connections", "64",
                    "--warmup", "0s", "--timeout", "200ms");
            assertThat(s.get("count").asLong()).isZero();
            assertThat(s.get("errors_by_kind").get("timeout").asLong()).isBetween(49L, 51L);
            assertThat(s.get("errors").asLong()).isEqualTo(s.get("errors_by_kind").get("timeout").asLong());
        }
    }

    @Test
    void stopsEarlyWhenTheBacklogOverflows() throws Exception {
        try (TestUpstream upstream = TestUpstream.stalling(Duration.ZERO, Duration.ofSeconds(30))) {
            JsonNode s = run("--url", upstream.url("/"), "--rate", "1000", "--duration", "10s", "--connections", "2",
                    "--warmup", "0s", "--timeout", "300ms", "--max-backlog", "100");
            assertThat(s.get("stopped_early").asBoolean()).isTrue();
            assertThat(s.get("errors_by_kind").get("backlog").asLong()).isGreaterThan(100);
            assertThat(s.get("requests").asLong()).isLessThan(1000); // it did not run its 10 s
            assertThat(upstream.requests.get()).isEqualTo(2); // one per connection, held
        }
    }

    @Test
    void signsEveryRequestFreshlySoAReplayCheckingUpstreamAcceptsAll() throws Exception {
        try (TestUpstream upstream = TestUpstream.verifyingHmac("bench-app", "s3cr:et")) {
            JsonNode s = run("--url", upstream.url("/signed/orders?id=7"), "--rate", "400", "--duration", "2s",
                    "--connections", "8", "--warmup", "0s", "--method", "POST", "--body-size", "64",
                    "--header", "Content-Type: application/octet-stream", "--sign", "hmac:bench-app:s3cr:et");
            assertThat(upstream.requests.get()).isGreaterThanOrEqualTo(799);
            assertThat(upstream.signedOk.get()).isEqualTo(upstream.requests.get());
            assertThat(upstream.bodyBytes.get()).isEqualTo(64 * upstream.requests.get());
            assertThat(upstream.replayed.get()).isZero();
            assertThat(upstream.signedBad.get()).isZero();
            assertThat(s.get("errors").asLong()).isZero();
            assertThat(s.get("command").asText()).contains("hmac:bench-app:***").doesNotContain("s3cr");
            assertThat(Files.readString(dir.resolve("run.jsonl"))).doesNotContain("s3cr");
        }
    }

    @Test
    void mixesPlainAndSignedRequestsByWeight() throws Exception {
        try (TestUpstream upstream = TestUpstream.verifyingHmac("bench-app", "secret")) {
            JsonNode s = run("--url", upstream.url("/"), "--rate", "400", "--duration", "1s",
                    "--connections", "4", "--warmup", "0s", "--sign", "hmac:bench-app:secret",
                    "--mix", "plain:1,hmac:3");
            long total = upstream.requests.get();
            assertThat(total).isGreaterThanOrEqualTo(399);
            assertThat(upstream.unsigned.get()).isCloseTo(total / 4, within(2L));
            assertThat(upstream.signedOk.get()).isEqualTo(total - upstream.unsigned.get());
            assertThat(s.get("errors_by_kind").get("status_4xx").asLong()).isEqualTo(upstream.unsigned.get());
        }
    }

    @Test
    void refusesANonLoopbackUrlWithExitStatus2() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LoadGen.class.getName(),
                "--url", "http://10.1.2.3:8080/", "--rate", "10", "--duration", "1s",
                "--out", dir.resolve("refused").toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(output).contains("host '10.1.2.3' refused").contains("loopback");
        assertThat(dir.resolve("refused.jsonl")).doesNotExist();
    }

    @Test
    void saysWhichOutputItCannotWrite() throws Exception {
        LoadGenOptions o = LoadGenOptions.parse("--url", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s",
                "--out", dir.resolve("missing/run").toString());
        assertThatThrownBy(() -> LoadGen.run(o)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot write " + dir.resolve("missing/run.hlog"));
    }

    private JsonNode run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--out");
        all.add(dir.resolve("run").toString());
        LoadGen.run(LoadGenOptions.parse(all.toArray(new String[0])));
        List<String> lines = Files.readAllLines(dir.resolve("run.jsonl"));
        assertThat(lines).hasSize(1);
        return JSON.readTree(lines.get(0));
    }

    private static List<Histogram> readHlog(Path file) throws IOException {
        List<Histogram> out = new ArrayList<>();
        HistogramLogReader reader = new HistogramLogReader(file.toFile());
        try {
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) {
                out.add((Histogram) h);
            }
        } finally {
            reader.close();
        }
        return out;
    }
}
