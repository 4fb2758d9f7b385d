package dev.gateway.core.config;

import java.time.Duration;

/**
 * An upstream's {@code outlier-detection:} section (passive health): {@code consecutiveFailures} 5xx responses or
 * connect failures in a row eject a target for {@code baseEjection} times the number of times it was ejected (at
 * most {@code maxEjection}), and at most {@code maxEjectedPercent} of the upstream's targets are ejected at once.
 */
public record OutlierConfig(@Binder.Range(min = 1, max = 10_000) int consecutiveFailures,
        @Binder.Positive Duration baseEjection, @Binder.Positive Duration maxEjection,
        @Binder.Key("max-ejected") @Binder.Percent(min = 0) int maxEjectedPercent) implements Binder.Validated {

    public static OutlierConfig defaults() {
        return new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50);
    }

    @Override
    public void validate(Problems problems) {
        if (maxEjection.compareTo(baseEjection) < 0) {
            problems.add("max-ejection", "is below base-ejection " + baseEjection);
        }
    }
}
