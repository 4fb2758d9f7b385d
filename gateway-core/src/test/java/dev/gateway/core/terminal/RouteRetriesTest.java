package dev.gateway.core.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.RetriesConfig;
import dev.gateway.core.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A route's retry policy: attempts, reasons, idempotency, bodies, the budget and the jittered backoff. */
class RouteRetriesTest {
    private static final long MS = 1_000_000L;
    private final ManualClock clock = new ManualClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private double nextRandom = 0.5;

    private RouteRetries policy(int attempts, boolean nonIdempotent, double ratio, int minPerSecond) {
        RetriesConfig c = new RetriesConfig(attempts, on("connect-failure", "reset-before-response", "502", "503"),
                new RetriesConfig.Backoff(Duration.ofMillis(20), Duration.ofMillis(100)),
                new RetriesConfig.Budget(new RetriesConfig.Ratio(ratio), minPerSecond), nonIdempotent);
        return new RouteRetries("orders", c, new RetryBudget(clock), registry, () -> nextRandom);
    }

    private static java.util.List<RetriesConfig.On> on(String... items) {
        return java.util.Arrays.stream(items).map(RetriesConfig.On::of).toList();
    }

    private RouteRetries policy() {
        return policy(3, false, 0.2, 100);
    }

    private static RetryPolicy.Attempt attempt(HttpMethod m, int number, RetryPolicy.Failure f, int status) {
        return new RetryPolicy.Attempt(m, false, true, false, true, number, f, status, false);
    }

    private static RetryPolicy.Attempt get(int number, RetryPolicy.Failure f) {
        return attempt(HttpMethod.GET, number, f, 0);
    }

    private double retries(String reason) {
        var c = registry.find("gateway.upstream.retries").tags("route", "orders", "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private double exhausted() {
        return registry.get("gateway.retry.budget.exhausted").tags("route", "orders").counter().count();
    }

    @Test
    void retriesUntilTheAttemptsAreSpent() {
        RouteRetries p = policy();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_REFUSED))).isNotNegative();
        assertThat(p.retryDelayNanos(get(2, RetryPolicy.Failure.CONNECT_REFUSED))).isNotNegative();
        assertThat(p.retryDelayNanos(get(3, RetryPolicy.Failure.CONNECT_REFUSED))).isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(retries("connect-failure")).isEqualTo(2);
    }

    @Test
    void retriesOnlyOnTheListedReasonsAndCountsEachByReason() {
        RouteRetries p = policy();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_TIMEOUT))).isNotNegative();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE))).isNotNegative();
        assertThat(p.retryDelayNanos(attempt(HttpMethod.GET, 1, RetryPolicy.Failure.ERROR_STATUS, 503)))
                .isNotNegative();
        assertThat(p.retryDelayNanos(attempt(HttpMethod.GET, 1, RetryPolicy.Failure.ERROR_STATUS, 504)))
                .isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.RESPONSE_TIMEOUT))).isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.BAD_RESPONSE))).isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(p.retriesOnStatus(503)).isTrue();
        assertThat(p.retriesOnStatus(500)).isFalse();
        assertThat(retries("connect-failure")).isEqualTo(1);
        assertThat(retries("reset-before-response")).isEqualTo(1);
        assertThat(retries("503")).isEqualTo(1);
        assertThat(retries("504")).isZero();
    }

    @Test
    void retriesIdempotentMethodsOnly() {
        RouteRetries p = policy();
        assertThat(p.retryDelayNanos(attempt(HttpMethod.PUT, 1, RetryPolicy.Failure.CONNECT_REFUSED, 0)))
                .isNotNegative();
        assertThat(p.retryDelayNanos(attempt(HttpMethod.POST, 1, RetryPolicy.Failure.CONNECT_REFUSED, 0)))
                .isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(p.retryDelayNanos(attempt(HttpMethod.PATCH, 1, RetryPolicy.Failure.ERROR_STATUS, 503)))
                .isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(p.keepsBodyUpTo(HttpMethod.POST)).isZero();
        assertThat(p.keepsBodyUpTo(HttpMethod.PUT)).isEqualTo(RouteRetries.BODY_KEPT_UP_TO);
    }

    @Test
    void retriesPostWhenTheRouteOptsIn() {
        RouteRetries p = policy(3, true, 0.2, 100);
        assertThat(p.retryDelayNanos(attempt(HttpMethod.POST, 1, RetryPolicy.Failure.ERROR_STATUS, 502)))
                .isNotNegative();
        assertThat(p.keepsBodyUpTo(HttpMethod.POST)).isEqualTo(RouteRetries.BODY_KEPT_UP_TO);
    }

    @Test
    void resendsABodyOnlyIfItWasKeptOrNotTakenYet() {
        RouteRetries p = policy();
        // The body still waits in the exchange (the attempt never connected): fine, even while it streams in.
        assertThat(p.retryDelayNanos(new RetryPolicy.Attempt(HttpMethod.PUT, true, false, false, false, 1,
                RetryPolicy.Failure.CONNECT_REFUSED, 0, false))).isNotNegative();
        // Sent and kept whole.
        assertThat(p.retryDelayNanos(new RetryPolicy.Attempt(HttpMethod.PUT, true, true, true, true, 1,
                RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, 0, false))).isNotNegative();
        // Sent and not kept (streamed past the limit).
        assertThat(p.retryDelayNanos(new RetryPolicy.Attempt(HttpMethod.PUT, true, true, false, true, 1,
                RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, 0, false))).isEqualTo(RetryPolicy.NO_RETRY);
        // A bodyless request whose end was sent before it had all arrived.
        assertThat(p.retryDelayNanos(new RetryPolicy.Attempt(HttpMethod.GET, false, true, false, false, 1,
                RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, 0, false))).isEqualTo(RetryPolicy.NO_RETRY);
    }

    @Test
    void aStaleKeptAliveConnectionIsRetriedAtOnceOutsideTheBudget() {
        RouteRetries p = policy(2, false, 0, 0);
        RetryPolicy.Attempt stale = new RetryPolicy.Attempt(HttpMethod.GET, false, true, false, true, 1,
                RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, 0, true);
        assertThat(p.retryDelayNanos(stale)).isZero();
        assertThat(retries("reset-before-response")).isZero();
    }

    @Test
    void anExhaustedBudgetRefusesTheRetryAndCountsIt() {
        RouteRetries p = policy(3, false, 0.5, 0);
        for (int i = 0; i < 4; i++) {
            p.requestStarted();
        }
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_REFUSED))).isNotNegative();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_REFUSED))).isNotNegative();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_REFUSED))).isEqualTo(RetryPolicy.NO_RETRY);
        assertThat(exhausted()).isEqualTo(1);
        assertThat(retries("connect-failure")).isEqualTo(2);
        clock.advance(Duration.ofSeconds(RetryBudget.WINDOW_SECONDS));
        p.requestStarted();
        p.requestStarted();
        assertThat(p.retryDelayNanos(get(1, RetryPolicy.Failure.CONNECT_REFUSED))).isNotNegative();
    }

    @Test
    void backoffIsFullJitterUnderAnExponentialCap() {
        RouteRetries p = policy();
        nextRandom = 0.999_999;
        assertThat(p.backoffNanos(1)).isBetween(19 * MS, 20 * MS);
        assertThat(p.backoffNanos(2)).isBetween(39 * MS, 40 * MS);
        assertThat(p.backoffNanos(3)).isBetween(79 * MS, 80 * MS);
        assertThat(p.backoffNanos(4)).isBetween(99 * MS, 100 * MS); // capped at max
        assertThat(p.backoffNanos(40)).isBetween(99 * MS, 100 * MS);
        nextRandom = 0;
        assertThat(p.backoffNanos(3)).isZero();
        nextRandom = 0.5;
        assertThat(p.backoffNanos(2)).isEqualTo(20 * MS);
    }

    @Test
    void realJitterStaysWithinTheCap() {
        RetriesConfig c = new RetriesConfig(3, on("connect-failure"),
                new RetriesConfig.Backoff(Duration.ofMillis(20), Duration.ofMillis(100)),
                new RetriesConfig.Budget(new RetriesConfig.Ratio(0.2), 5), false);
        RouteRetries p = new RouteRetries("r", c, new RetryBudget(clock), null);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 2000; i++) {
            long d = p.backoffNanos(2);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertThat(min).isNotNegative().isLessThan(10 * MS);
        assertThat(max).isLessThanOrEqualTo(40 * MS).isGreaterThan(30 * MS);
    }
}
