package dev.gateway.core.config;

import java.time.Duration;

/**
 * An upstream's {@code outlier-detection:} section (passive health): {@code consecutiveFailures} 5xx responses or
 * connect failures in a row eject a target for {@code baseEjection} times the number of times it was ejected (at
 * most {@code maxEjection}), and at most {@code maxEjectedPercent} of the upstream's targets are ejected at once.
 */
public record OutlierConfig(int consecutiveFailures, Duration baseEjection, Duration maxEjection,
        int maxEjectedPercent) {}
