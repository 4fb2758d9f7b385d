package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An upstream's {@code health-check:} section (active checks): {@code GET path} to each target every
 * {@code interval}, answered within {@code timeout} with a status in {@code statuses}; {@code healthy} passes in a
 * row make an unhealthy target healthy again, {@code unhealthy} failures in a row make a healthy one unhealthy.
 */
public record HealthCheckConfig(String path, @Binder.Positive Duration interval, @Binder.Positive Duration timeout,
        @Binder.Range(min = 1, max = 100) int healthy, @Binder.Range(min = 1, max = 100) int unhealthy,
        List<StatusRange> statuses) implements Binder.Validated {
    private static final Pattern STATUS_RANGE = Pattern.compile("([1-5]\\d\\d)(?:\\s*-\\s*([1-5]\\d\\d))?");

    /** No statuses: 200-399. */
    public HealthCheckConfig {
        statuses = statuses.isEmpty() ? List.of(new StatusRange(200, 399)) : List.copyOf(statuses);
    }

    public static HealthCheckConfig defaults() {
        return new HealthCheckConfig("/health", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 3, List.of());
    }

    @Override
    public void validate(Problems problems) {
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            problems.add("path", "expected an absolute path such as /health, found '" + path + "'");
        }
        if (timeout.compareTo(interval) > 0) {
            problems.add("timeout", "is above the interval " + interval);
        }
    }

    /** An inclusive range of statuses: {@code 200-399}, or one status ({@code from == to}). */
    public record StatusRange(int from, int to) {
        public static StatusRange of(String text) {
            Matcher m = STATUS_RANGE.matcher(text.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("expected a status or a range such as 200-399, found '" + text
                        + "'");
            }
            int from = Integer.parseInt(m.group(1));
            int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
            if (to < from) {
                throw new IllegalArgumentException("the range " + text + " is empty");
            }
            return new StatusRange(from, to);
        }

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
