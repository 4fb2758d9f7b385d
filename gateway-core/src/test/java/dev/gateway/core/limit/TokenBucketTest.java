package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
    private static final long MS = 1_000_000L;

    @Test
    void admitsRateTimesDurationPlusBurstWithinOnePercent() {
        AtomicLongArray cells = new AtomicLongArray(1);
        long interval = 10 * MS; // 100/s
        long burst = 50;
        long admitted = 0;
        // 5 s in 1 ms steps, three attempts per step: always more demand than the rate.
        for (long now = 0; now < 5_000 * MS; now += MS) {
            for (int k = 0; k < 3; k++) {
                if (TokenBucket.take(cells, 0, now, interval, burst * interval) > 0) {
                    admitted++;
                }
            }
        }
        assertThat((double) admitted).isCloseTo(500 + 50, within(5.5));
    }

    @Test
    void aFullBucketAdmitsItsBurstAtOnceThenOnePerInterval() {
        AtomicLongArray cells = new AtomicLongArray(1);
        long interval = 10 * MS;
        int admitted = 0;
        for (int i = 0; i < 30; i++) {
            if (TokenBucket.take(cells, 0, 0, interval, 20 * interval) > 0) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(20);
        long refused = TokenBucket.take(cells, 0, 0, interval, 20 * interval);
        assertThat(refused).as("minus the wait for the next token").isEqualTo(-interval);
        assertThat(TokenBucket.take(cells, 0, interval - 1, interval, 20 * interval)).isNegative();
        assertThat(TokenBucket.take(cells, 0, interval, interval, 20 * interval)).isPositive();
        assertThat(TokenBucket.take(cells, 0, interval, interval, 20 * interval)).isNegative();
    }

    @Test
    void remainingCountsTheTokensLeft() {
        AtomicLongArray cells = new AtomicLongArray(1);
        long fill = TokenBucket.take(cells, 0, 0, MS, 10 * MS);
        assertThat(TokenBucket.remaining(fill, 10 * MS, MS)).isEqualTo(9);
    }

    @Test
    void aRefundGivesTheTokenBackButNeverOverfills() {
        AtomicLongArray cells = new AtomicLongArray(1);
        long cap = 2 * MS;
        assertThat(TokenBucket.take(cells, 0, 0, MS, cap)).isPositive();
        assertThat(TokenBucket.take(cells, 0, 0, MS, cap)).isPositive();
        assertThat(TokenBucket.take(cells, 0, 0, MS, cap)).isNegative();
        TokenBucket.refund(cells, 0, MS);
        assertThat(TokenBucket.take(cells, 0, 0, MS, cap)).isPositive();
        // Refunds into a full bucket (an idle one) do not raise it above its capacity.
        AtomicLongArray idle = new AtomicLongArray(1);
        TokenBucket.refund(idle, 0, MS);
        TokenBucket.refund(idle, 0, MS);
        long now = 100 * MS;
        int admitted = 0;
        for (int i = 0; i < 5; i++) {
            admitted += TokenBucket.take(idle, 0, now, MS, cap) > 0 ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(2);
    }

    @Test
    void reservationsFormAFifoBoundedByWaitAndLength() {
        AtomicLongArray cells = new AtomicLongArray(1);
        long interval = 10 * MS;
        long cap = interval; // burst 1
        assertThat(TokenBucket.reserve(cells, 0, 0, interval, cap, 35 * MS, 100)).isEqualTo(cap); // now
        assertThat(TokenBucket.reserve(cells, 0, 0, interval, cap, 35 * MS, 100) - cap).isEqualTo(10 * MS);
        assertThat(TokenBucket.reserve(cells, 0, 0, interval, cap, 35 * MS, 100) - cap).isEqualTo(20 * MS);
        assertThat(TokenBucket.reserve(cells, 0, 0, interval, cap, 35 * MS, 100) - cap).isEqualTo(30 * MS);
        assertThat(TokenBucket.reserve(cells, 0, 0, interval, cap, 35 * MS, 100)).as("past max-wait")
                .isEqualTo(-40 * MS);
        // A queue of at most 2 waiters: the third is refused at once.
        AtomicLongArray short_ = new AtomicLongArray(1);
        TokenBucket.reserve(short_, 0, 0, interval, cap, 1_000 * MS, 2);
        assertThat(TokenBucket.reserve(short_, 0, 0, interval, cap, 1_000 * MS, 2)).isGreaterThan(cap);
        assertThat(TokenBucket.reserve(short_, 0, 0, interval, cap, 1_000 * MS, 2)).isGreaterThan(cap);
        assertThat(TokenBucket.reserve(short_, 0, 0, interval, cap, 1_000 * MS, 2)).isNegative();
        // One waiter leaves: the next newcomer takes its place.
        TokenBucket.refund(short_, 0, interval);
        assertThat(TokenBucket.reserve(short_, 0, 0, interval, cap, 1_000 * MS, 2) - cap).isEqualTo(20 * MS);
    }
}
