package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Percent;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.time.Duration;

/**
 * A {@code circuit-breaker:} section (of an upstream, applied to each of its targets, or of a route), bound by
 * {@link Binder}: open on a failure rate or a slow-call rate over a sliding window (the last {@code window} calls,
 * or the calls of the last {@code window} time) once it holds {@code minCalls} calls; stay open {@code openFor};
 * then let {@code halfOpenCalls} probes through, and close when they all succeed.
 *
 * @param slowCall null when slow calls are not counted
 */
public record CircuitBreakerConfig(@Percent(min = 1) int failureRate, SlowCall slowCall, Window window,
        @Range(min = 1, max = 100_000) int minCalls, @Positive Duration openFor,
        @Range(min = 1, max = 1000) int halfOpenCalls) implements Binder.Validated {

    public static final int DEFAULT_WINDOW = 20;

    static CircuitBreakerConfig defaults() {
        return new CircuitBreakerConfig(50, null, new Window(DEFAULT_WINDOW, null), 10, Duration.ofSeconds(10), 3);
    }

    /** A breaker from its settings: {@code slowCallDuration} null when slow calls are not counted. */
    public CircuitBreakerConfig(int failureRatePercent, Duration slowCallDuration, int slowCallRatePercent,
            int windowCalls, Duration windowTime, int minCalls, Duration openFor, int halfOpenCalls) {
        this(failureRatePercent, slowCallDuration == null ? null : new SlowCall(slowCallDuration, slowCallRatePercent),
                new Window(windowTime == null ? windowCalls : 0, windowTime), minCalls, openFor, halfOpenCalls);
    }

    @Override
    public void validate(Problems problems) {
        if (window.calls() > 0 && minCalls > window.calls()) {
            problems.add("min-calls", minCalls + " is above the window of " + window.calls() + " calls");
        }
    }

    public record SlowCall(@Positive Duration duration, @Percent(min = 1) int rate) {
        static SlowCall defaults() {
            return new SlowCall(Duration.ofSeconds(2), 80);
        }
    }

    /** {@code window:} a number of calls (1..10000), or a time of at least 100ms ({@code calls} 0). */
    public record Window(int calls, Duration time) {
        public static Window of(String text) {
            String v = text.trim();
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected an integer, found '" + text + "'");
                }
                if (n < 1 || n > 10_000) {
                    throw new IllegalArgumentException(n + " is out of range [1, 10000]");
                }
                return new Window(n, null);
            }
            Duration d = Section.parseDuration(v);
            if (d == null) {
                throw new IllegalArgumentException("expected a duration such as 500ms, 30s, 5m, found '" + text + "'");
            }
            if (d.isZero()) {
                throw new IllegalArgumentException("must be above 0");
            }
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("a time window is at least 100ms");
            }
            return new Window(0, d);
        }
    }

    public int failureRatePercent() {
        return failureRate;
    }

    /** Null when slow calls are not counted. */
    public Duration slowCallDuration() {
        return slowCall == null ? null : slowCall.duration();
    }

    public int slowCallRatePercent() {
        return slowCall == null ? 100 : slowCall.rate();
    }

    /** The count-based window's size, or 0 when the window is a time. */
    public int windowCalls() {
        return window.calls();
    }

    /** The time-based window's length, or null. */
    public Duration windowTime() {
        return window.time();
    }

    public boolean isTimeBased() {
        return window.time() != null;
    }
}
