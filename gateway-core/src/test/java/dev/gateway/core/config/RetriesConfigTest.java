package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route's {@code retries:} section as the loader reads it, and every problem located. */
class RetriesConfigTest {
    @TempDir
    Path dir;

    private Path write(String routes) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, "upstreams:\n  u: { targets: [\"http://127.0.0.1:9\"] }\nroutes:\n" + routes);
        return file;
    }

    private List<String> errors(String routes) throws Exception {
        try {
            new ConfigLoader(Map.<String, String>of()::get).load(write(routes));
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("gateway.yml") + ":" + line + ": ";
    }

    @Test
    void readsTheIssuesExampleExactly() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.<String, String>of()::get).load(write("""
                  - id: orders
                    paths: [/o/**]
                    upstream: u
                    retries: {attempts: 3, on: [connect-failure, reset-before-response, 502, 503, 504], backoff: {base: 25ms, max: 250ms}, budget: {ratio: 20%, min-per-second: 5}, non-idempotent: true}
                """));
        RetriesConfig r = c.routes().get(0).retries();
        assertThat(r.attempts()).isEqualTo(3);
        assertThat(r.causes()).containsExactlyInAnyOrder(RetriesConfig.Cause.CONNECT_FAILURE,
                RetriesConfig.Cause.RESET_BEFORE_RESPONSE);
        assertThat(r.statuses()).containsExactlyInAnyOrder(502, 503, 504);
        assertThat(r.backoffBase()).hasMillis(25);
        assertThat(r.backoffMax()).hasMillis(250);
        assertThat(r.budgetRatio()).isEqualTo(0.2);
        assertThat(r.budgetMinPerSecond()).isEqualTo(5);
        assertThat(r.nonIdempotent()).isTrue();
    }

    @Test
    void anEmptySectionTakesTheDefaultsAndNoSectionMeansNoRetries() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.<String, String>of()::get).load(write("""
                  - { id: a, paths: [/a], upstream: u, retries: {} }
                  - { id: b, paths: [/b], upstream: u }
                """));
        RetriesConfig r = c.routes().get(0).retries();
        assertThat(r.attempts()).isEqualTo(2);
        assertThat(r.causes()).containsExactlyInAnyOrder(RetriesConfig.Cause.CONNECT_FAILURE,
                RetriesConfig.Cause.RESET_BEFORE_RESPONSE);
        assertThat(r.statuses()).containsExactlyInAnyOrder(502, 503, 504);
        assertThat(r.backoffBase()).hasMillis(25);
        assertThat(r.backoffMax()).hasMillis(250);
        assertThat(r.budgetRatio()).isEqualTo(0.2);
        assertThat(r.budgetMinPerSecond()).isEqualTo(5);
        assertThat(r.nonIdempotent()).isFalse();
        assertThat(c.routes().get(1).retries()).isNull();
    }

    @Test
    void reportsEveryBadValueAtItsLine() throws Exception {
        assertThat(errors("""
                  - id: a
                    paths: [/a]
                    upstream: u
                    retries:
                      attempts: 0
                      on: [connect-failure, 404, sometimes]
                      backoff: {base: 100ms, max: 50ms}
                      budget: {ratio: 120%, min-per-second: -1, window: 10s}
                      non-idempotent: maybe
                      tries: 3
                """)).containsExactlyInAnyOrder(
                at(8) + "routes[0].retries.attempts: 0 is out of range [1, 10]",
                at(9) + "routes[0].retries.on[1]: expected one of [connect-failure, reset-before-response,"
                        + " response-timeout] or a status 500-599, found '404'",
                at(9) + "routes[0].retries.on[2]: expected one of [connect-failure, reset-before-response,"
                        + " response-timeout] or a status 500-599, found 'sometimes'",
                at(10) + "routes[0].retries.backoff.max: 50ms is below base 100ms",
                at(11) + "routes[0].retries.budget.ratio: expected a percentage from 0% to 100%, found '120%'",
                at(11) + "routes[0].retries.budget.min-per-second: -1 is out of range [0, 100000]",
                at(11) + "routes[0].retries.budget.window: unknown key 'window'",
                at(12) + "routes[0].retries.non-idempotent: expected true or false, found 'maybe'",
                at(13) + "routes[0].retries.tries: unknown key 'tries'");
    }

    @Test
    void aMockRouteHasNoRetries() throws Exception {
        assertThat(errors("""
                  - id: m
                    paths: [/m]
                    mock: {status: 200}
                    retries: {attempts: 2}
                """)).containsExactly(at(7) + "routes[0].retries: a mock route has no upstream to retry");
    }
}
