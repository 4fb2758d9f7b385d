package dev.gateway.core.config;

import java.time.Duration;

/**
 * An upstream's {@code circuit-breaker:} section, applied to each of its targets: open on a failure rate or a
 * slow-call rate over a sliding window (the last {@code windowCalls} calls, or the calls of the last
 * {@code windowTime}) once it holds {@code minCalls} calls; stay open {@code openFor}; then let
 * {@code halfOpenCalls} probes through, and close when they all succeed.
 *
 * @param slowCallDuration null when slow calls are not counted
 * @param windowCalls the count-based window's size, or 0 when {@code windowTime} is set
 * @param windowTime the time-based window's length, or null
 */
public record CircuitBreakerConfig(int failureRatePercent, Duration slowCallDuration, int slowCallRatePercent,
        int windowCalls, Duration windowTime, int minCalls, Duration openFor, int halfOpenCalls) {

    public static final int DEFAULT_WINDOW = 20;

    public boolean isTimeBased() {
        return windowTime != null;
    }
}
