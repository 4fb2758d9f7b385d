package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One entry of {@code upstreams:}, bound by {@link Binder} (its {@code name} is its key): a named group of targets
 * and how requests are spread over them and connected to, and how their health is judged: a circuit breaker per
 * target, outlier ejection, active checks (each null when not configured), the fallback when no target can take a
 * request, and panic mode (every target used when all are unhealthy or ejected).
 */
public record UpstreamConfig(
        @Binder.Name String name,
        ConfigNode.Location location,
        List<TargetConfig> targets,
        Balancer balancer,
        HostHeader hostHeader,
        @Range(min = 1, max = 100_000) int maxConnectionsPerTarget,
        @Range(min = 0, max = 1_000_000) int maxPendingRequests,
        @Positive Duration connectTimeout,
        @Positive Duration idleTimeout,
        CircuitBreakerConfig circuitBreaker,
        OutlierConfig outlierDetection,
        HealthCheckConfig healthCheck,
        FallbackConfig fallback,
        boolean panic) implements Binder.Validated {

    public UpstreamConfig {
        targets = List.copyOf(targets);
    }

    static UpstreamConfig defaults() {
        return new UpstreamConfig(null, null, List.of(), Balancer.ROUND_ROBIN, HostHeader.TARGET, 1024, 1024,
                Duration.ofSeconds(2), Duration.ofSeconds(30), null, null, null, null, false);
    }

    @Override
    public void validate(Problems p) {
        if (name != null && !ConfigLoader.ID.matcher(name).matches()) {
            p.add(p.scope(), "upstream name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        if (targets.isEmpty()) {
            p.add("targets", "at least one target is required");
        }
    }

    /** True when any per-target health state is kept: a breaker, outlier detection or active checks. */
    public boolean isGuarded() {
        return circuitBreaker != null || outlierDetection != null || healthCheck != null;
    }

    public enum Balancer { ROUND_ROBIN, LEAST_REQUESTS }

    /** Which Host header the upstream receives: the client's, or the target's {@code host:port}. */
    public enum HostHeader { CLIENT, TARGET }

    /** A target: {@code http://host:port}, or {@code {url: http://host:port, weight: 2}}. */
    @Binder.Shorthand
    public record TargetConfig(@Binder.Required Url url, @Range(min = 1, max = 1000) int weight) {
        static TargetConfig defaults() {
            return new TargetConfig(null, 1);
        }

        /** The URL alone; a bad one is kept as null (its problem is recorded) so that the list is not empty. */
        static TargetConfig of(ConfigNode.ScalarNode s, Problems p) {
            return new TargetConfig(Url.of(s, p), 1);
        }

        public String host() {
            return url.host();
        }

        public int port() {
            return url.port();
        }

        /** Where the URL is written, for errors about the target. */
        public ConfigNode.Location location() {
            return url.location();
        }

        public String path() {
            return url.path();
        }

        @Override
        public String toString() {
            return "http://" + new HostPort(url.host(), url.port());
        }
    }

    /** A target's {@code http://host:port} (an IPv6 host without its brackets) and where it is written. */
    public record Url(String host, int port, ConfigNode.Location location, String path) {
        static Url of(ConfigNode.ScalarNode s, Problems p) {
            URI uri = Section.httpUrl(s, p);
            if (uri == null) {
                return null;
            }
            String host = uri.getHost();
            host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return new Url(host, uri.getPort() < 0 ? 80 : uri.getPort(), s.location(), s.path());
        }
    }
}
