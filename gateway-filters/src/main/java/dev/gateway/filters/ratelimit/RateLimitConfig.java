package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.config.LimitsSettings;
import java.util.List;

/**
 * What the rate-limit filter of one route applies: the {@code limits:} entries that select the route, in file order,
 * and the {@code limits-settings}. Not written under a route's {@code filters}: the limits name their routes.
 */
public record RateLimitConfig(List<LimitConfig> limits, LimitsSettings settings) {
    public RateLimitConfig {
        limits = List.copyOf(limits);
    }
}
