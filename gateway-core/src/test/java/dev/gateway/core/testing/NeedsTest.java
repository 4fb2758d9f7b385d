package dev.gateway.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Skip or fail: a missing need skips a test on a developer's machine and fails it on CI. */
class NeedsTest {
    @Test
    void aNeedThatIsMetNeitherSkipsNorFails() {
        assertThatCode(() -> Needs.require(true, () -> "unused", Map.of("CI", "true"))).doesNotThrowAnyException();
        assertThatCode(() -> Needs.require(true, () -> "unused", Map.of())).doesNotThrowAnyException();
    }

    @Test
    void aMissingNeedSkipsWithTheReasonOutsideCi() {
        Throwable t = catchThrowable(() -> Needs.require(false, () -> "promtool is not installed", Map.of()));
        assertThat(t).isInstanceOf(TestAbortedException.class).hasMessage("skipped: promtool is not installed");
        assertThat(catchThrowable(() -> Needs.require(false, () -> "x", Map.of("CI", "false"))))
                .isInstanceOf(TestAbortedException.class);
    }

    @Test
    void aMissingNeedFailsWithTheReasonOnCi() {
        for (String ci : new String[] {"true", "TRUE", "1"}) {
            Throwable t = catchThrowable(() -> Needs.require(false, () -> "redis-server not installed",
                    Map.of("CI", ci)));
            assertThat(t).as("CI=%s", ci).isInstanceOf(AssertionFailedError.class)
                    .isNotInstanceOf(TestAbortedException.class)
                    .hasMessageStartingWith("redis-server not installed (on CI, CI=" + ci + ",");
        }
    }

    @Test
    void onlyTrueOrOneMeansCi() {
        assertThat(Needs.onCi(Map.of("CI", "true"))).isTrue();
        assertThat(Needs.onCi(Map.of("CI", " 1 "))).isTrue();
        assertThat(Needs.onCi(Map.of("CI", "false"))).isFalse();
        assertThat(Needs.onCi(Map.of("CI", ""))).isFalse();
        assertThat(Needs.onCi(Map.of())).isFalse();
    }
}
