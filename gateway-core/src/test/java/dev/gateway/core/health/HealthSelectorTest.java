package dev.gateway.core.health;

import static dev.gateway.core.health.HealthFixtures.fail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.ManualClock;
import dev.gateway.core.upstream.HealthSelector;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The selector skips open, ejected and unhealthy targets, prefers another than the previous, and panics on demand. */
class HealthSelectorTest {
    private final ManualClock clock = new ManualClock();
    private final HealthSelector selector = HealthSelector.INSTANCE;

    private UpstreamGroup guarded(int n, boolean panic) {
        return HealthFixtures.group(n, new TargetHealth.Settings(HealthFixtures.BREAKER,
                HealthFixtures.outliers(100, 100), HealthFixtures.CHECK), clock, panic);
    }

    private Set<Target> picks(UpstreamGroup g, Target previous, int n) {
        Set<Target> out = new HashSet<>();
        for (int i = 0; i < n; i++) {
            out.add(selector.select(g, previous));
        }
        return out;
    }

    private static void markUnhealthy(Target t) {
        for (int i = 0; i < 3; i++) {
            t.health().checkResult(false, "test");
        }
    }

    @Test
    void aTargetWithItsBreakerOpenGetsNothingAndTheOthersGetEverything() {
        UpstreamGroup g = guarded(3, false);
        fail(g, 0, 4);
        assertThat(g.target(0).health().breaker().state()).isEqualTo(BreakerState.OPEN);

        assertThat(picks(g, null, 60)).containsExactlyInAnyOrder(g.target(1), g.target(2));
    }

    @Test
    void unhealthyAndEjectedTargetsAreSkippedAndComeBack() {
        UpstreamGroup g = HealthFixtures.group(3, new TargetHealth.Settings(null, HealthFixtures.outliers(2, 50),
                HealthFixtures.CHECK), clock, false);
        markUnhealthy(g.target(0));
        fail(g, 1, 2);

        assertThat(picks(g, null, 60)).containsExactly(g.target(2));

        g.target(0).health().checkResult(true, "test");
        g.target(0).health().checkResult(true, "test");
        clock.advance(Duration.ofSeconds(10));
        assertThat(picks(g, null, 60)).containsExactlyInAnyOrder(g.target(0), g.target(1), g.target(2));
    }

    @Test
    void aRetryGoesToAnotherTargetThanThePreviousWhenThereIsOne() {
        UpstreamGroup g = guarded(3, false);
        for (int i = 0; i < 3; i++) {
            Target previous = g.target(i);
            assertThat(picks(g, previous, 30)).doesNotContain(previous).isNotEmpty();
        }
        fail(g, 1, 4);
        fail(g, 2, 4);
        assertThat(selector.select(g, g.target(0))).as("the only one left").isSameAs(g.target(0));
    }

    @Test
    void everyBreakerOpenSelectsNothingAndSaysWhy() {
        UpstreamGroup g = guarded(2, true);
        fail(g, 0, 4);
        fail(g, 1, 4);

        assertThat(selector.select(g, null)).as("panic does not bypass breakers").isNull();
        assertThat(HealthSelector.allCircuitsOpen(g)).isTrue();
    }

    @Test
    void everyTargetUnhealthySelectsNothingWithoutPanicAndAnyTargetWithIt() {
        UpstreamGroup strict = guarded(2, false);
        UpstreamGroup panic = guarded(2, true);
        for (int i = 0; i < 2; i++) {
            markUnhealthy(strict.target(i));
            markUnhealthy(panic.target(i));
        }

        assertThat(selector.select(strict, null)).isNull();
        assertThat(HealthSelector.allCircuitsOpen(strict)).isFalse();
        assertThat(picks(panic, null, 40)).containsExactlyInAnyOrder(panic.target(0), panic.target(1));
    }

    @Test
    void halfOpenLetsOneProbeThroughTheSelector() {
        UpstreamGroup g = guarded(1, false);
        fail(g, 0, 4);
        clock.advance(Duration.ofSeconds(10));

        assertThat(selector.select(g, null)).isSameAs(g.target(0));
        assertThat(selector.select(g, null)).as("half-open-calls: 1").isNull();
        g.target(0).health().report(false, 1_000_000, g);
        assertThat(selector.select(g, null)).isSameAs(g.target(0));
        assertThat(g.target(0).health().breaker().state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void anUnguardedGroupIsThePlainBalancer() {
        UpstreamGroup g = HealthFixtures.group(2, null, clock, false);
        assertThat(g.isGuarded()).isFalse();
        assertThat(picks(g, null, 4)).containsExactlyInAnyOrder(g.target(0), g.target(1));
    }

    /** The first attempts' targets (as URLs) of {@code n} requests, each followed by {@code retries} retries. */
    private List<String> firstAttempts(UpstreamGroup g, int n, int retries) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Target first = selector.select(g, null);
            out.add(first.url());
            Target previous = first;
            for (int r = 0; r < retries; r++) {
                Target next = selector.select(g, previous);
                assertThat(next).as("a retry goes elsewhere").isNotSameAs(previous);
                previous = next;
            }
        }
        return out;
    }

    @Test
    void retriesLeaveTheRoundRobinPositionOfFirstAttemptsAlone() {
        List<String> plain = firstAttempts(guarded(3, false), 12, 0);
        assertThat(plain).containsSubsequence(plain.get(0), plain.get(1), plain.get(2), plain.get(0));
        assertThat(firstAttempts(guarded(3, false), 12, 2)).as("guarded").isEqualTo(plain);
        assertThat(firstAttempts(HealthFixtures.group(3, null, clock, false), 12, 2)).as("unguarded")
                .isEqualTo(plain);
    }

    @Test
    void aRetryNeverGoesToAnEjectedTargetAndFindsNoneWhenOnlyThePreviousIsLeft() {
        UpstreamGroup g = HealthFixtures.group(3, new TargetHealth.Settings(null, HealthFixtures.outliers(1, 100),
                null), clock, false);
        fail(g, 2, 1);
        assertThat(g.target(2).health().isEjected()).isTrue();
        assertThat(picks(g, g.target(0), 40)).containsExactly(g.target(1));
        fail(g, 1, 1);
        assertThat(selector.select(g, g.target(0))).as("the previous one, the only one left").isSameAs(g.target(0));
        fail(g, 0, 1);
        assertThat(selector.select(g, g.target(0))).as("nothing left: the call falls back").isNull();
    }
}
