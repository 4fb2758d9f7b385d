package dev.gateway.core.health;

import static dev.gateway.core.health.HealthFixtures.fail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.ManualClock;
import dev.gateway.core.upstream.UpstreamGroup;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Passive health: consecutive failures eject, for longer each time, and never more than max-ejected at once. */
class OutlierEjectionTest {
    private final ManualClock clock = new ManualClock();

    private UpstreamGroup group(int n, int consecutive, int maxEjectedPercent) {
        return HealthFixtures.group(n, new TargetHealth.Settings(null,
                HealthFixtures.outliers(consecutive, maxEjectedPercent), null), clock, false);
    }

    @Test
    void consecutiveFailuresEjectForBaseEjectionThenTheTargetIsBack() {
        UpstreamGroup g = group(3, 3, 50);
        fail(g, 0, 2);
        assertThat(g.target(0).health().isAvailable()).isTrue();

        fail(g, 0, 1);

        assertThat(g.target(0).health().isEjected()).isTrue();
        clock.advance(Duration.ofMillis(9_999));
        assertThat(g.target(0).health().isAvailable()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(g.target(0).health().isAvailable()).isTrue();
    }

    @Test
    void aSuccessInBetweenStartsTheCountOver() {
        UpstreamGroup g = group(3, 3, 50);
        fail(g, 0, 2);
        g.target(0).health().report(false, 1_000_000, g);
        fail(g, 0, 2);

        assertThat(g.target(0).health().isEjected()).isFalse();
        fail(g, 0, 1);
        assertThat(g.target(0).health().isEjected()).isTrue();
    }

    @Test
    void eachEjectionLastsLongerUpToMaxEjection() {
        UpstreamGroup g = group(2, 2, 50);
        long[] lengths = new long[12];
        for (int i = 0; i < lengths.length; i++) {
            fail(g, 0, 2);
            OutlierEjection o = g.target(0).health().outlier();
            lengths[i] = o.ejectedRemainingNanos(clock.nanoTime()) / 1_000_000_000L;
            clock.advanceNanos(o.ejectedRemainingNanos(clock.nanoTime()));
        }

        assertThat(lengths).containsExactly(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 100, 100);
    }

    @Test
    void aTargetThatStayedInForMaxEjectionStartsOverAtBaseEjection() {
        UpstreamGroup g = group(2, 2, 50);
        fail(g, 0, 2);
        clock.advance(Duration.ofSeconds(10));
        fail(g, 0, 2);
        assertThat(g.target(0).health().outlier().ejectedRemainingNanos(clock.nanoTime()))
                .isEqualTo(Duration.ofSeconds(20).toNanos());
        clock.advance(Duration.ofSeconds(20 + 100));

        fail(g, 0, 2);

        assertThat(g.target(0).health().outlier().ejectedRemainingNanos(clock.nanoTime()))
                .isEqualTo(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void noMoreThanMaxEjectedOfTheTargetsAreOutAtOnce() {
        UpstreamGroup g = group(4, 2, 50); // 2 of 4
        fail(g, 0, 2);
        fail(g, 1, 2);
        fail(g, 2, 5);

        assertThat(g.target(0).health().isEjected()).isTrue();
        assertThat(g.target(1).health().isEjected()).isTrue();
        assertThat(g.target(2).health().isEjected()).as("over max-ejected").isFalse();

        clock.advance(Duration.ofSeconds(10)); // the first two are back
        fail(g, 2, 1); // still failing: ejected now that there is room
        assertThat(g.target(2).health().isEjected()).isTrue();
    }

    @Test
    void oneTargetMayAlwaysBeEjected() {
        UpstreamGroup one = group(1, 2, 50); // 50 % of 1 rounds down to 0: at least one, as Envoy does
        fail(one, 0, 2);
        assertThat(one.target(0).health().isEjected()).isTrue();
        UpstreamGroup three = group(3, 2, 10); // 10 % of 3: still one, never two
        fail(three, 0, 2);
        fail(three, 1, 2);
        assertThat(three.target(0).health().isEjected()).isTrue();
        assertThat(three.target(1).health().isEjected()).as("over max-ejected").isFalse();
    }

    @Test
    void failuresOfRequestsSentBeforeTheEjectionDoNotExtendIt() {
        UpstreamGroup g = group(2, 2, 50);
        fail(g, 0, 2);
        long until = g.target(0).health().outlier().ejectedRemainingNanos(clock.nanoTime());

        fail(g, 0, 10);

        assertThat(g.target(0).health().outlier().ejectedRemainingNanos(clock.nanoTime())).isEqualTo(until);
        assertThat(g.target(0).health().outlier().ejections()).isEqualTo(1);
    }
}
