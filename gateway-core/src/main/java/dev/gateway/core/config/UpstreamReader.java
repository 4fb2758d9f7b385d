package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Binds one entry of {@code upstreams:} (its targets, pool and resilience settings) to an {@link UpstreamConfig}. */
final class UpstreamReader {
    private UpstreamReader() {}

    /** The YAML shape; a target is a URL or {@code {url, weight}}, the fallback an upstream or a response. */
    record Upstream(List<ConfigNode> targets, UpstreamConfig.Balancer balancer, UpstreamConfig.HostHeader hostHeader,
            @Range(min = 1, max = 100_000) int maxConnectionsPerTarget,
            @Range(min = 0, max = 1_000_000) int maxPendingRequests, @Positive Duration connectTimeout,
            @Positive Duration idleTimeout, CircuitBreakerConfig circuitBreaker, OutlierConfig outlierDetection,
            HealthCheckConfig healthCheck, FallbackConfig fallback, boolean panic) implements Binder.Validated {
        static Upstream defaults() {
            return new Upstream(List.of(), UpstreamConfig.Balancer.ROUND_ROBIN, UpstreamConfig.HostHeader.TARGET, 1024,
                    1024, Duration.ofSeconds(2), Duration.ofSeconds(30), null, null, null, null, false);
        }

        @Override
        public void validate(Problems problems) {
            if (targets.isEmpty()) {
                problems.add("targets", "at least one target is required");
            }
        }
    }

    /** A target as a mapping. */
    record Target(@Binder.Required ConfigNode url, @Range(min = 1, max = 1000) int weight) {
        static Target defaults() {
            return new Target(null, 1);
        }
    }

    static UpstreamConfig read(String name, ConfigNode node, Problems p) {
        if (!ConfigLoader.ID.matcher(name).matches()) {
            p.add(node, "upstream name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        Upstream u = Binder.bind(node, Upstream.class, p);
        List<UpstreamConfig.TargetConfig> targets = new ArrayList<>();
        for (ConfigNode item : u.targets()) {
            UpstreamConfig.TargetConfig t = target(item, p);
            if (t != null) {
                targets.add(t);
            }
        }
        return new UpstreamConfig(name, node.location(), targets, u.balancer(), u.hostHeader(),
                u.maxConnectionsPerTarget(), u.maxPendingRequests(), u.connectTimeout(), u.idleTimeout(),
                u.circuitBreaker(),
                u.outlierDetection(), u.healthCheck(),
                u.fallback(), u.panic());
    }

    private static UpstreamConfig.TargetConfig target(ConfigNode item, Problems p) {
        ConfigNode url = item;
        int weight = 1;
        if (item instanceof ConfigNode.MapNode) {
            Target t = Binder.bind(item, Target.class, p);
            url = t.url();
            weight = t.weight();
        }
        if (url == null) {
            return null;
        }
        if (!(url instanceof ConfigNode.ScalarNode us) || us.value() == null) {
            p.add(url, "expected a URL or {url, weight}, found " + url.kind());
            return null;
        }
        var uri = Section.httpUrl(us, p);
        if (uri == null) {
            return null;
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new UpstreamConfig.TargetConfig(host, port, weight, us.location(), us.path());
    }
}
