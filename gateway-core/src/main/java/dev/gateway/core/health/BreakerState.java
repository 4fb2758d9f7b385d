package dev.gateway.core.health;

/** A circuit breaker's state; {@link #gaugeValue()} is what {@code gateway_circuit_breaker_state} exports. */
public enum BreakerState {
    /** Requests pass; outcomes are counted in the sliding window. */
    CLOSED(0),
    /** Requests are refused until {@code open-for} has passed. */
    OPEN(1),
    /** A few probe requests pass ({@code half-open-calls}); their outcomes close or reopen the breaker. */
    HALF_OPEN(2);

    private final int gaugeValue;

    BreakerState(int gaugeValue) {
        this.gaugeValue = gaugeValue;
    }

    public int gaugeValue() {
        return gaugeValue;
    }

    /** {@code closed}, {@code open}, {@code half-open}: as logs and the admin API show it. */
    public String label() {
        return this == HALF_OPEN ? "half-open" : name().toLowerCase(java.util.Locale.ROOT);
    }
}
