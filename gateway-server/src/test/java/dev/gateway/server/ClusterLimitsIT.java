package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.Needs;
import dev.gateway.core.testing.RealRedis;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.KeepAliveLoad;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Two gateway processes (the real jar) sharing one real redis-server enforce one {@code scope: cluster} limit. */
class ClusterLimitsIT {
    static final int RATE = 50;
    static final int BURST = 10;
    static final int LEASE = 5;

    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static TestUpstream upstream;

    @TempDir
    Path dir;

    @BeforeAll
    static void startUpstream() throws Exception {
        upstream = TestUpstream.echo("u");
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    GatewayProcess node(String name, String extra) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        return GatewayProcess.startYaml(d, "", "access-log:\n  enabled: false\n"
                + "reload:\n  watch: false\n"
                + "redis:\n  uri: " + redis.uri() + "\n"
                + "upstreams:\n  u: { targets: [\"" + upstream.url() + "\"] }\n"
                + "routes:\n  - { id: orders, paths: [/orders/**], upstream: u }\n"
                + "limits:\n  - { id: shared, routes: [orders], rate: " + RATE + "/s, burst: " + BURST
                + ", scope: cluster" + extra + " }\n");
    }

    @Test
    void twoNodesAdmitTogetherWhatOneLimitAllows() throws Exception {
        twoNodes("", 0);
    }

    /**
     * With leasing, each node may spend up to {@code lease} tokens it took earlier, so the two admit at most 2 x
     * lease more than the limit over any period, and at most 2 x lease fewer (tokens still held at the end).
     */
    @Test
    void leasedTokensStayWithinTheDocumentedBound() throws Exception {
        twoNodes(", lease: " + LEASE, 2 * LEASE);
    }

    private void twoNodes(String extra, int slack) throws Exception {
        Needs.require(Files.exists(GatewayProcess.JAR), () -> "no " + GatewayProcess.JAR
                + ": the fat jar is built by `package` before Failsafe runs");
        redis.server().call("FLUSHALL");
        try (GatewayProcess one = node("one", extra); GatewayProcess two = node("two", extra)) {
            // Warm both nodes' paths to Redis (connection, script), then start from a full bucket.
            for (GatewayProcess n : List.of(one, two)) {
                assertThat(RawHttp.exchange(n.proxyPort(), "GET /orders/warm HTTP/1.1\r\nHost: x\r\n"
                        + "Connection: close\r\n\r\n").status()).isEqualTo(200);
            }
            redis.server().call("FLUSHALL");
            long start = System.nanoTime();
            KeepAliveLoad a = KeepAliveLoad.start(one.proxyPort(), "/orders/a", 2, Duration.ofSeconds(3));
            KeepAliveLoad b = KeepAliveLoad.start(two.proxyPort(), "/orders/b", 2, Duration.ofSeconds(3));
            a.awaitEnd();
            b.awaitEnd();
            List<KeepAliveLoad.Sample> all = new java.util.ArrayList<>(a.samples());
            all.addAll(b.samples());
            assertThat(a.failures()).isEmpty();
            assertThat(b.failures()).isEmpty();
            // The bucket was full at the first request and drained at the last: at most burst + rate x that time
            // (1%). At least rate x the time the load was sure to saturate it: from the first answer to the last send.
            long first = all.stream().mapToLong(KeepAliveLoad.Sample::sentNanos).min().orElseThrow();
            long last = all.stream().mapToLong(KeepAliveLoad.Sample::answeredNanos).max().orElseThrow();
            long firstAnswer = all.stream().mapToLong(KeepAliveLoad.Sample::answeredNanos).min().orElseThrow();
            long lastSent = all.stream().mapToLong(KeepAliveLoad.Sample::sentNanos).max().orElseThrow();
            double seconds = (last - first) / 1e9;
            double saturated = (lastSent - firstAnswer) / 1e9;
            Map<Integer, Long> byStatus = all.stream().collect(Collectors.groupingBy(KeepAliveLoad.Sample::status,
                    Collectors.counting()));
            assertThat(byStatus.keySet()).as("statuses").containsOnly(200, 429);
            long admitted = byStatus.get(200);
            assertThat((double) admitted).as("admitted of %s in %.3f s (saturated %.3f s, start to first %.3f s)",
                    all.size(), seconds, saturated, (first - start) / 1e9)
                    .isBetween(RATE * saturated * 0.99 - slack, RATE * seconds * 1.01 + BURST + slack);
            Function<KeepAliveLoad, Long> ok = l -> l.samples().stream().filter(s -> s.status() == 200).count();
            assertThat(ok.apply(a)).as("node one admitted some").isPositive();
            assertThat(ok.apply(b)).as("node two admitted some").isPositive();
            assertThat(byStatus.get(429)).as("both nodes were pushed past the limit").isGreaterThan(admitted);
            assertThat(one.output() + two.output()).doesNotContain("LEAK:");
        }
    }
}
