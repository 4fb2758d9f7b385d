package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;

/** A named group of targets and how requests are spread over them and connected to. */
public record UpstreamConfig(
        String name,
        ConfigNode.Location location,
        List<TargetConfig> targets,
        Balancer balancer,
        HostHeader hostHeader,
        int maxConnectionsPerTarget,
        int maxPendingRequests,
        Duration connectTimeout,
        Duration idleTimeout) {

    public UpstreamConfig {
        targets = List.copyOf(targets);
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
