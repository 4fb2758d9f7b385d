package dev.gateway.core.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry budget: a ratio of the window's requests plus a floor, over a sliding window of one-second buckets. */
class RetryBudgetTest {
    private final ManualClock clock = new ManualClock();
    private final RetryBudget budget = new RetryBudget(clock);

    private int retriesAllowed(double ratio, int minPerSecond) {
        int n = 0;
        while (n < 10_000 && budget.tryRetry(ratio, minPerSecond)) {
            n++;
        }
        return n;
    }

    @Test
    void allowsRatioOfRequestsPlusTheFloorOverTheWindow() {
        for (int i = 0; i < 100; i++) {
            budget.recordRequest();
        }
        // 20% of 100 requests, plus 1 per second over the 10 s window.
        assertThat(retriesAllowed(0.2, 1)).isEqualTo(20 + 10);
        assertThat(budget.counts()).containsExactly(100, 30);
    }

    @Test
    void withNoFloorAndNoRequestsNothingIsRetried() {
        assertThat(retriesAllowed(0.5, 0)).isZero();
    }

    @Test
    void spentRetriesComeBackAsTheWindowSlidesPastThem() {
        for (int i = 0; i < 10; i++) {
            budget.recordRequest();
        }
        assertThat(retriesAllowed(0.5, 0)).isEqualTo(5);
        clock.advance(Duration.ofSeconds(5));
        for (int i = 0; i < 10; i++) {
            budget.recordRequest();
        }
        // 20 requests in the window, 5 retries spent: 5 more.
        assertThat(retriesAllowed(0.5, 0)).isEqualTo(5);
        clock.advance(Duration.ofSeconds(5));
        // The first second's 10 requests and 5 retries left the window: 10 requests, 5 retries counted.
        assertThat(budget.counts()).containsExactly(10, 5);
        assertThat(retriesAllowed(0.5, 0)).isZero();
        clock.advance(Duration.ofSeconds(RetryBudget.WINDOW_SECONDS));
        assertThat(budget.counts()).containsExactly(0, 0);
    }

    @Test
    void aBucketReusedAfterAWholeWindowStartsEmpty() {
        budget.recordRequest();
        budget.recordRequest();
        clock.advance(Duration.ofSeconds(RetryBudget.WINDOW_SECONDS));
        budget.recordRequest();
        assertThat(budget.counts()).containsExactly(1, 0);
    }
}
