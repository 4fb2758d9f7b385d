package dev.gateway.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.testing.ManualClock;
import dev.gateway.core.upstream.HealthRegistry;
import dev.gateway.core.upstream.UpstreamGroup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Health state is kept by (upstream, target) while its settings stay the same, like the pools. */
class HealthRegistryTest {
    private final ManualClock clock = new ManualClock();
    private final HealthRegistry registry = new HealthRegistry(clock);
    private final TargetHealth.Settings settings = new TargetHealth.Settings(HealthFixtures.BREAKER, null, null);

    @Test
    void theSameSettingsGiveTheSameStateAndOtherSettingsAFreshOne() {
        TargetHealth first = registry.state("u", "http://a:1", settings);

        assertThat(registry.state("u", "http://a:1", new TargetHealth.Settings(HealthFixtures.BREAKER, null, null)))
                .isSameAs(first);
        assertThat(registry.state("other", "http://a:1", settings)).isNotSameAs(first);
        CircuitBreakerConfig longer = new CircuitBreakerConfig(50, null, 100, 10, null, 4, Duration.ofSeconds(20), 1);
        assertThat(registry.state("u", "http://a:1", new TargetHealth.Settings(longer, null, null)))
                .isNotSameAs(first);
    }

    @Test
    void theStateInForceWinsOverOneARejectedCompileRegistered() {
        UpstreamGroup live = HealthFixtures.group(1, settings, clock, false);
        TargetHealth inForce = registry.state("u", live.target(0).url(), settings);
        registry.apply(List.of(groupWith(inForce, live)), null);
        // A compile with other settings that was then rejected:
        CircuitBreakerConfig other = new CircuitBreakerConfig(90, null, 100, 10, null, 4, Duration.ofSeconds(1), 1);
        registry.state("u", live.target(0).url(), new TargetHealth.Settings(other, null, null));

        assertThat(registry.state("u", live.target(0).url(), settings)).isSameAs(inForce);
    }

    @Test
    void routeBreakersAreKeptByRouteIdWhileTheirConfigIsTheSame() {
        CircuitBreaker b = registry.routeBreaker("r", HealthFixtures.BREAKER);
        assertThat(registry.routeBreaker("r", HealthFixtures.BREAKER)).isSameAs(b);

        registry.retainRoutes(List.of("other"));

        assertThat(registry.routeBreaker("r", HealthFixtures.BREAKER)).isNotSameAs(b);
    }

    /** A one-target group "u" whose target carries {@code h}. */
    private static UpstreamGroup groupWith(TargetHealth h, UpstreamGroup shape) {
        var t = shape.target(0);
        return new UpstreamGroup("u", List.of(new dev.gateway.core.upstream.Target(t.endpoint(), t.url(),
                t.hostHeader().toString(), 1, dev.gateway.core.metrics.UpstreamMetrics.NOOP, h)),
                dev.gateway.core.config.UpstreamConfig.Balancer.ROUND_ROBIN, new java.util.concurrent.atomic.AtomicLong(),
                false, shape.pool(), false);
    }
}
