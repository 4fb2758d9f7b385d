package dev.gateway.core.config;

/** Prometheus metrics at {@code GET /metrics} on the admin listener. */
public record MetricsConfig(boolean enabled) {
    public static MetricsConfig defaults() {
        return new MetricsConfig(true);
    }
}
