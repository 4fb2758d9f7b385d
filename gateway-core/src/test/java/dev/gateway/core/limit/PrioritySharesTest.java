package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class PrioritySharesTest {
    private static final long MS = 1_000_000L;
    private final PriorityShares shares = new PriorityShares(new String[] {"core", "realtime", "other"},
            new long[] {60, 30, 10});
    private final AtomicLongArray cells = new AtomicLongArray(3);
    private static final long INTERVAL = MS; // 1000/s in all
    private static final long BURST = 100;

    /** Runs {@code seconds} in 1 ms steps; {@code demand[g]} attempts per step for group g. Returns admitted. */
    private long[] run(long from, int seconds, int[] demand) {
        long[] admitted = new long[3];
        for (long now = from; now < from + seconds * 1000L * MS; now += MS) {
            for (int k = 0; k < 10; k++) {
                for (int g = 0; g < 3; g++) {
                    if (k < demand[g] && shares.take(cells, g, now, INTERVAL, BURST) >= 0) {
                        admitted[g]++;
                    }
                }
            }
        }
        return admitted;
    }

    @Test
    void underOverloadEachGroupGetsItsShareWithinFivePercent() {
        long[] a = run(0, 10, new int[] {5, 5, 5}); // 15 000/s asked for 1000/s
        long total = a[0] + a[1] + a[2];
        assertThat((double) total).isCloseTo(10_000 + BURST, within(200.0));
        assertThat((double) a[0] / total).isCloseTo(0.60, within(0.60 * 0.05));
        assertThat((double) a[1] / total).isCloseTo(0.30, within(0.30 * 0.05));
        assertThat((double) a[2] / total).isCloseTo(0.10, within(0.10 * 0.05));
    }

    @Test
    void aGroupAloneBorrowsWhatTheOthersLeaveUnused() {
        long[] a = run(0, 10, new int[] {0, 0, 5});
        // Its own 100/s plus the idle groups' 900/s, less the reserves they keep (a few tokens, once).
        assertThat((double) a[2]).isCloseTo(10_000, within(300.0));
    }

    @Test
    void borrowedCapacityReturnsAsSoonAsItsOwnerNeedsIt() {
        run(0, 5, new int[] {0, 0, 5}); // other borrows everything
        long[] a = run(5_000 * MS, 5, new int[] {5, 0, 5}); // core comes back, overloaded
        // core gets at least its 60% (600/s) at once, and, being listed first, also what realtime leaves unused;
        // other keeps its own 10%.
        assertThat(a[0]).isGreaterThanOrEqualTo((long) (0.95 * 3_000));
        assertThat((double) a[0]).isCloseTo(4_500, within(150.0));
        assertThat((double) a[2]).isCloseTo(500, within(50.0));
    }

    @Test
    void whenTwoGroupsCompeteForSpareCapacityTheHigherPriorityGetsIt() {
        // core is idle; realtime and other both want more than their share.
        long[] a = run(0, 10, new int[] {0, 5, 5});
        assertThat(a[1]).as("realtime borrows core's share").isGreaterThan(8_000);
        assertThat((double) a[2]).as("other keeps at least its own share").isCloseTo(1_000, within(150.0));
    }

    @Test
    void priorityNamesNotListedFallInTheLastGroup() {
        assertThat(shares.groupOf("core")).isZero();
        assertThat(shares.groupOf("default")).isEqualTo(2);
        assertThat(shares.groupOf(null)).isEqualTo(2);
    }
}
