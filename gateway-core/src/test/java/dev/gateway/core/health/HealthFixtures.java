package dev.gateway.core.health;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.config.HealthCheckConfig;
import dev.gateway.core.config.OutlierConfig;
import dev.gateway.core.config.UpstreamConfig;
import dev.gateway.core.time.TimeSource;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.Transport;
import dev.gateway.core.upstream.UpstreamClient;
import dev.gateway.core.upstream.UpstreamGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Groups of guarded targets for the health tests. */
final class HealthFixtures {
    private HealthFixtures() {}

    static final CircuitBreakerConfig BREAKER = new CircuitBreakerConfig(50, null, 100, 10, null, 4,
            Duration.ofSeconds(10), 1);
    static final HealthCheckConfig CHECK = new HealthCheckConfig("/health", Duration.ofSeconds(5),
            Duration.ofSeconds(1), 2, 3, List.of(new HealthCheckConfig.StatusRange(200, 399)));

    static OutlierConfig outliers(int consecutive, int maxEjectedPercent) {
        return new OutlierConfig(consecutive, Duration.ofSeconds(10), Duration.ofSeconds(100), maxEjectedPercent);
    }

    static UpstreamGroup group(int n, TargetHealth.Settings settings, TimeSource clock, boolean panic) {
        UpstreamClient client = new UpstreamClient(Transport.nio(), 1);
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String url = "http://127.0.0.1:" + (2000 + i);
            Endpoint e = client.endpoint(new Endpoint.Key("http", "127.0.0.1", 2000 + i,
                    new InetSocketAddress("127.0.0.1", 2000 + i)));
            TargetHealth h = settings == null ? null : new TargetHealth("u", url, settings, clock);
            targets.add(new Target(e, url, "127.0.0.1:" + (2000 + i), 1, UpstreamMetrics.NOOP, h));
        }
        return new UpstreamGroup("u", targets, UpstreamConfig.Balancer.ROUND_ROBIN, new AtomicLong(), false,
                new UpstreamGroup.PoolSettings(10, 10, 1000, 1_000_000_000L), panic);
    }

    static void fail(UpstreamGroup g, int target, int times) {
        for (int i = 0; i < times; i++) {
            g.target(target).health().report(true, 1_000_000, g);
        }
    }
}
