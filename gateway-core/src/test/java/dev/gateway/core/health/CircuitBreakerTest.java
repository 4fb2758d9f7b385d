package dev.gateway.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker's state machine on a hand-moved clock: windows, min-calls, slow calls, half-open probes. */
class CircuitBreakerTest {
    private static final long MS = 1_000_000L;

    private final ManualClock clock = new ManualClock();
    private final List<String> transitions = new ArrayList<>();

    private CircuitBreaker breaker(int failureRate, Duration slow, int slowRate, int window, Duration windowTime,
            int minCalls, int halfOpenCalls) {
        return new CircuitBreaker(new CircuitBreakerConfig(failureRate, slow, slowRate, window, windowTime, minCalls,
                Duration.ofSeconds(10), halfOpenCalls), clock, (from, to) -> transitions.add(from + "->" + to));
    }

    private CircuitBreaker countBreaker(int window, int minCalls) {
        return breaker(50, null, 100, window, null, minCalls, 3);
    }

    private static void fail(CircuitBreaker b, int n) {
        for (int i = 0; i < n; i++) {
            b.onResult(true, MS);
        }
    }

    private static void succeed(CircuitBreaker b, int n) {
        for (int i = 0; i < n; i++) {
            b.onResult(false, MS);
        }
    }

    @Test
    void countWindowOpensAtTheFailureRateOnlyOnceMinCallsAreIn() {
        CircuitBreaker b = countBreaker(10, 5);
        fail(b, 4);
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED); // 100% but only 4 calls

        fail(b, 1);

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
        assertThat(b.tryAcquire()).isFalse();
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }

    @Test
    void countWindowOpensWhenTheRateReachesTheThreshold() {
        CircuitBreaker b = countBreaker(10, 5);
        succeed(b, 5);
        fail(b, 4);
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED); // 4 of 9

        fail(b, 1);

        assertThat(b.state()).isEqualTo(BreakerState.OPEN); // 5 of 10
    }

    @Test
    void countWindowForgetsCallsThatSlidOut() {
        CircuitBreaker b = countBreaker(4, 4);
        fail(b, 1);
        succeed(b, 3); // 1 of 4
        succeed(b, 1); // replaces the failure: 0 of 4
        fail(b, 1); // replaces a success: 1 of 4

        assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
        fail(b, 1); // replaces a success: 2 of 4
        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void aSuccessThatCompletesMinCallsOpensWhenTheRateIsAlreadyOver() {
        CircuitBreaker b = countBreaker(10, 10);
        fail(b, 6);
        succeed(b, 3);
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED); // 6 of 9: under min-calls

        succeed(b, 1); // 6 of 10, as Resilience4j decides after every call

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void timeWindowCountsOnlyTheCallsOfItsLength() {
        CircuitBreaker b = breaker(50, null, 100, 0, Duration.ofSeconds(10), 3, 3);
        fail(b, 2);
        clock.advance(Duration.ofSeconds(11)); // those two are out of the window

        fail(b, 1);
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED); // one call in the window: below min-calls

        succeed(b, 2);
        clock.advance(Duration.ofSeconds(5));
        fail(b, 1); // 2 failures of 4 in the last 10 s

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void slowCallRateOpensEvenWhenEverythingSucceeds() {
        CircuitBreaker b = breaker(50, Duration.ofSeconds(2), 80, 10, null, 5, 3);
        for (int i = 0; i < 3; i++) {
            b.onResult(false, 2_500 * MS);
        }
        b.onResult(false, 10 * MS);
        assertThat(b.state()).isEqualTo(BreakerState.CLOSED); // 3 slow of 4: under min-calls

        b.onResult(false, 3_000 * MS); // 4 of 5 = 80%

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void openWaitsOpenForThenLetsOnlyHalfOpenCallsProbesThroughAndClosesWhenTheySucceed() {
        CircuitBreaker b = countBreaker(10, 5);
        fail(b, 5);
        clock.advance(Duration.ofMillis(9_999));
        assertThat(b.tryAcquire()).isFalse();
        assertThat(b.isRefusing()).isTrue();

        clock.advance(Duration.ofMillis(1));
        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.tryAcquire()).as("a fourth probe").isFalse();

        succeed(b, 2);
        assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
        succeed(b, 1);

        assertThat(b.state()).isEqualTo(BreakerState.CLOSED);
        assertThat(b.tryAcquire()).isTrue();
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
        fail(b, 4);
        assertThat(b.state()).as("closed with an empty window").isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void aFailedProbeOpensTheBreakerAgainForAnotherOpenFor() {
        CircuitBreaker b = countBreaker(10, 5);
        fail(b, 5);
        clock.advance(Duration.ofSeconds(10));
        assertThat(b.tryAcquire()).isTrue();

        fail(b, 1);

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
        assertThat(b.tryAcquire()).isFalse();
        clock.advance(Duration.ofSeconds(9));
        assertThat(b.tryAcquire()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(b.tryAcquire()).isTrue();
        assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
                "OPEN->HALF_OPEN");
    }

    @Test
    void aSlowProbeCountsAsAFailedOne() {
        CircuitBreaker b = breaker(50, Duration.ofSeconds(1), 100, 10, null, 5, 2);
        fail(b, 5);
        clock.advance(Duration.ofSeconds(10));
        assertThat(b.tryAcquire()).isTrue();

        b.onResult(false, 1_500 * MS);

        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
    }

    @Test
    void probesThatNeverReportAreHandedOutAgainAfterOpenFor() {
        CircuitBreaker b = countBreaker(10, 5);
        fail(b, 5);
        clock.advance(Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
            assertThat(b.tryAcquire()).isTrue(); // cancelled requests: no outcome comes back
        }
        assertThat(b.tryAcquire()).isFalse();

        clock.advance(Duration.ofSeconds(10));

        assertThat(b.tryAcquire()).isTrue();
        assertThat(b.state()).isEqualTo(BreakerState.HALF_OPEN);
    }

    @Test
    void lateOutcomesWhileOpenChangeNothing() {
        CircuitBreaker b = countBreaker(10, 5);
        fail(b, 5);
        succeed(b, 20);
        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }

    @Test
    void concurrentFailuresOpenItOnceAndLogTheTransitionOnce() throws Exception {
        CircuitBreaker b = countBreaker(100, 10);
        Thread[] threads = new Thread[4];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> fail(b, 1000));
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        assertThat(b.state()).isEqualTo(BreakerState.OPEN);
        assertThat(transitions).containsExactly("CLOSED->OPEN");
    }
}
