package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;

/**
 * An upstream's {@code health-check:} section (active checks): {@code GET path} to each target every
 * {@code interval}, answered within {@code timeout} with a status in {@code statuses}; {@code healthy} passes in a
 * row make an unhealthy target healthy again, {@code unhealthy} failures in a row make a healthy one unhealthy.
 */
public record HealthCheckConfig(String path, Duration interval, Duration timeout, int healthy, int unhealthy,
        List<StatusRange> statuses) {

    public HealthCheckConfig {
        statuses = List.copyOf(statuses);
    }

    /** An inclusive range of statuses: {@code 200-399}, or one status ({@code from == to}). */
    public record StatusRange(int from, int to) {
        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    public boolean accepts(int status) {
        for (StatusRange r : statuses) {
            if (status >= r.from() && status <= r.to()) {
                return true;
            }
        }
        return false;
    }
}
