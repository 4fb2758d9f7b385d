package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;

/**
 * A named group of targets and how requests are spread over them and connected to, and how their health is judged:
 * a circuit breaker per target, outlier ejection, active checks (each null when not configured), the fallback when
 * no target can take a request, and panic mode (every target used when all are unhealthy or ejected).
 */
public record UpstreamConfig(
        String name,
        ConfigNode.Location location,
        List<TargetConfig> targets,
        Balancer balancer,
        HostHeader hostHeader,
        int maxConnectionsPerTarget,
        int maxPendingRequests,
        Duration connectTimeout,
        Duration idleTimeout,
        CircuitBreakerConfig circuitBreaker,
        OutlierConfig outlierDetection,
        HealthCheckConfig healthCheck,
        FallbackConfig fallback,
        boolean panic) {

    public UpstreamConfig {
        targets = List.copyOf(targets);
    }

    /** True when any per-target health state is kept: a breaker, outlier detection or active checks. */
    public boolean isGuarded() {
        return circuitBreaker != null || outlierDetection != null || healthCheck != null;
    }

    public enum Balancer { ROUND_ROBIN, LEAST_REQUESTS }

    /** Which Host header the upstream receives: the client's, or the target's {@code host:port}. */
    public enum HostHeader { CLIENT, TARGET }

    public record TargetConfig(String host, int port, int weight, ConfigNode.Location location, String path) {
        @Override
        public String toString() {
            return "http://" + new HostPort(host, port);
        }
    }
}
