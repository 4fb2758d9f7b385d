package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An upstream's circuit-breaker, outlier-detection, health-check and fallback keys, as the issue spells them. */
class ResilienceConfigTest {
    @TempDir
    Path dir;

    private Path write(String upstreams) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, "upstreams:\n" + upstreams + "routes:\n  - { id: r, paths: [/r], upstream: orders }\n");
        return file;
    }

    private List<String> errors(String upstreams) throws Exception {
        try {
            new ConfigLoader(Map.<String, String>of()::get).load(write(upstreams));
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    @Test
    void readsTheIssuesExample() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.<String, String>of()::get).load(write("""
                  orders:
                    targets: [http://10.0.0.21:8080, http://10.0.0.22:8080]
                    circuit-breaker: {failure-rate: 50%, slow-call: {duration: 2s, rate: 80%}, window: 20, min-calls: 10, open-for: 10s, half-open-calls: 3}
                    outlier-detection: {consecutive-failures: 5, base-ejection: 10s, max-ejected: 50%}
                    health-check: {path: /health, interval: 5s, timeout: 1s, healthy: 2, unhealthy: 3, statuses: [200-399]}
                    fallback: {upstream: orders-dr}
                  orders-dr:
                    targets: [http://10.0.0.31:8080]
                    fallback: {status: 200, body: '{"orders":[]}'}
                    panic: true
                """));
        UpstreamConfig u = c.upstreams().get("orders");
        assertThat(u.circuitBreaker()).isEqualTo(new CircuitBreakerConfig(50, Duration.ofSeconds(2), 80, 20, null, 10,
                Duration.ofSeconds(10), 3));
        assertThat(u.outlierDetection()).isEqualTo(new OutlierConfig(5, Duration.ofSeconds(10),
                Duration.ofSeconds(300), 50));
        assertThat(u.healthCheck()).isEqualTo(new HealthCheckConfig("/health", Duration.ofSeconds(5),
                Duration.ofSeconds(1), 2, 3, List.of(new HealthCheckConfig.StatusRange(200, 399))));
        assertThat(u.healthCheck().accepts(399)).isTrue();
        assertThat(u.healthCheck().accepts(404)).isFalse();
        assertThat(u.fallback().upstream()).isEqualTo("orders-dr");
        assertThat(u.isGuarded()).isTrue();
        UpstreamConfig dr = c.upstreams().get("orders-dr");
        assertThat(dr.isGuarded()).isFalse();
        assertThat(dr.panic()).isTrue();
        assertThat(dr.fallback().response().status()).isEqualTo(200);
    }

    @Test
    void aDurationWindowIsTimeBased() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.<String, String>of()::get).load(write("""
                  orders:
                    targets: [http://127.0.0.1:9]
                    circuit-breaker: {window: 30s, min-calls: 50}
                """));
        CircuitBreakerConfig b = c.upstreams().get("orders").circuitBreaker();
        assertThat(b.isTimeBased()).isTrue();
        assertThat(b.windowTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.minCalls()).isEqualTo(50);
    }

    @Test
    void badValuesAreLocated() throws Exception {
        Path f = dir.resolve("gateway.yml");
        assertThat(errors("""
                  orders:
                    targets: [http://127.0.0.1:9]
                    circuit-breaker: {failure-rate: 150%, window: 5, min-calls: 10, open-after: 3}
                    health-check: {statuses: [300-200, abc]}
                    fallback: {upstream: orderz}
                """)).containsExactlyInAnyOrder(
                f + ":4: upstreams.orders.circuit-breaker.failure-rate: expected a percentage in 1%..100%, found '150%'",
                f + ":4: upstreams.orders.circuit-breaker.min-calls: 10 is above the window of 5 calls",
                f + ":4: upstreams.orders.circuit-breaker.open-after: unknown key 'open-after'",
                f + ":5: upstreams.orders.health-check.statuses[0]: the range 300-200 is empty",
                f + ":5: upstreams.orders.health-check.statuses[1]: expected a status or a range such as 200-399, "
                        + "found 'abc'",
                f + ":6: upstreams.orders.fallback.upstream: no upstream named 'orderz' (did you mean 'orders'?)");
    }

    @Test
    void fallbacksDoNotChainOrPointAtThemselves() throws Exception {
        Path f = dir.resolve("gateway.yml");
        assertThat(errors("""
                  orders:
                    targets: [http://127.0.0.1:9]
                    fallback: {upstream: b}
                  b:
                    targets: [http://127.0.0.1:9]
                    fallback: {upstream: b}
                """)).containsExactlyInAnyOrder(
                f + ":4: upstreams.orders.fallback.upstream: upstream 'b' has a fallback upstream of its own ('b'); "
                        + "fallbacks do not chain",
                f + ":7: upstreams.b.fallback.upstream: an upstream cannot be its own fallback");
    }

    @Test
    void aRouteBreakerOnlyGuardsUpstreamRoutesAndComesLast() throws Exception {
        Path f = dir.resolve("gateway.yml");
        Files.writeString(f, """
                upstreams:
                  orders:
                    targets: [http://127.0.0.1:9]
                routes:
                  - id: m
                    paths: [/m]
                    mock: {status: 200}
                    circuit-breaker: {window: 10}
                  - id: b
                    paths: [/b]
                    batch: {}
                    circuit-breaker: {window: 10}
                    retries: {attempts: 2}
                """);
        try {
            new ConfigLoader(Map.<String, String>of()::get).load(f);
            throw new AssertionError("expected the configuration to be rejected");
        } catch (ConfigException e) {
            assertThat(e.errors().stream().map(ConfigError::toString).toList()).containsExactlyInAnyOrder(
                    f + ":8: routes[0].circuit-breaker: a mock route has no upstream to guard",
                    f + ":12: routes[1].circuit-breaker: a batch route has no upstream to guard (each item follows "
                            + "its own route's breaker)",
                    f + ":13: routes[1].retries: a batch route has no upstream to retry (each item follows its own "
                            + "route's retries)");
        }

        Files.writeString(f, """
                upstreams:
                  orders:
                    targets: [http://127.0.0.1:9]
                routes:
                  - id: r
                    paths: [/r]
                    upstream: orders
                    retries: {attempts: 3}
                    circuit-breaker: {window: 10}
                """);
        RouteConfig r = new ConfigLoader(Map.<String, String>of()::get).load(f).routes().get(0);
        assertThat(r.retries().attempts()).isEqualTo(3);
        assertThat(r.circuitBreaker().windowCalls()).isEqualTo(10);
        assertThat(r.batch()).isNull();
        assertThat(r.withFilters(List.of())).isEqualTo(r);
        String[] components = java.util.Arrays.stream(RouteConfig.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toArray(String[]::new);
        assertThat(components).endsWith("mock", "batch", "retries", "circuitBreaker");
    }
}
