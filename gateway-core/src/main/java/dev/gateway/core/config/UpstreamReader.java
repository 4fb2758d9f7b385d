package dev.gateway.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads one entry of {@code upstreams:} (its targets, pool and resilience settings) into an {@link UpstreamConfig}. */
final class UpstreamReader {
    private UpstreamReader() {}

    static UpstreamConfig read(String name, Section s) {
        Problems p = s.problems();
        if (!ConfigLoader.ID.matcher(name).matches()) {
            p.add(s.node(), "upstream name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        List<UpstreamConfig.TargetConfig> targets = new ArrayList<>();
        List<ConfigNode> items = s.list("targets");
        if (items.isEmpty()) {
            p.add(s.node().location(), s.child("targets"), "at least one target is required");
        }
        for (ConfigNode item : items) {
            UpstreamConfig.TargetConfig t = readTarget(item, s);
            if (t != null) {
                targets.add(t);
            }
        }
        var balancer = s.enumValue("balancer", UpstreamConfig.Balancer.class, UpstreamConfig.Balancer.ROUND_ROBIN);
        var hostHeader = s.enumValue("host-header", UpstreamConfig.HostHeader.class,
                UpstreamConfig.HostHeader.TARGET);
        int maxConns = s.integer("max-connections-per-target", 1024, 1, 100_000);
        int maxPending = s.integer("max-pending-requests", 1024, 0, 1_000_000);
        Duration connect = s.positiveDuration("connect-timeout", Duration.ofSeconds(2));
        Duration idle = s.positiveDuration("idle-timeout", Duration.ofSeconds(30));
        CircuitBreakerConfig breaker = ResilienceReader.circuitBreaker(s);
        OutlierConfig outliers = ResilienceReader.outlierDetection(s);
        HealthCheckConfig healthCheck = ResilienceReader.healthCheck(s);
        FallbackConfig fallback = ResilienceReader.fallback(s);
        boolean panic = s.bool("panic", false);
        s.finish();
        return new UpstreamConfig(name, s.node().location(), targets, balancer, hostHeader, maxConns, maxPending,
                connect, idle, breaker, outliers, healthCheck, fallback, panic);
    }

    private static UpstreamConfig.TargetConfig readTarget(ConfigNode item, Section parent) {
        Problems p = parent.problems();
        ConfigNode.ScalarNode urlNode;
        int weight = 1;
        if (item instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
            urlNode = sn;
        } else if (item instanceof ConfigNode.MapNode) {
            Section ts = Section.of(item, p);
            ConfigNode u = ts.raw("url");
            weight = ts.integer("weight", 1, 1, 1000);
            ts.finish();
            if (!(u instanceof ConfigNode.ScalarNode us) || us.value() == null) {
                p.add(item.location(), ts.child("url"), "is required");
                return null;
            }
            urlNode = us;
        } else {
            p.add(item, "expected a URL or {url, weight}, found " + item.kind());
            return null;
        }
        var uri = parent.httpUrl(urlNode);
        if (uri == null) {
            return null;
        }
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new UpstreamConfig.TargetConfig(host, port, weight, urlNode.location(), urlNode.path());
    }
}
