package dev.gateway.core.filter;

import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.upstream.UpstreamGroup;
import java.util.Map;

/**
 * What a factory sees when it builds one route's filter: the route, the whole configuration being compiled (so that
 * a rule can check what it refers to, such as an upstream group) and a way to report a problem at the filter's place
 * in the YAML, which rejects the whole configuration. Services (metadata, stores, meters, clock) are not here: they
 * reach a factory through its constructor. Used off the event loops, while a configuration is compiled.
 */
public final class FilterContext {
    private final String routeId;
    private final String routeGroup;
    private final GatewayConfig config;
    private final Map<String, UpstreamGroup> upstreams;
    private final Problems problems;
    private final ConfigNode.Location location;
    private final String path;

    public FilterContext(String routeId, String routeGroup, GatewayConfig config, Map<String, UpstreamGroup> upstreams,
            Problems problems, ConfigNode.Location location, String path) {
        this.routeId = routeId;
        this.routeGroup = routeGroup;
        this.config = config;
        this.upstreams = upstreams;
        this.problems = problems;
        this.location = location;
        this.path = path;
    }

    public String routeId() {
        return routeId;
    }

    /** The route's group, or null. */
    public String routeGroup() {
        return routeGroup;
    }

    /** The whole configuration being compiled. */
    public GatewayConfig config() {
        return config;
    }

    /** The compiled upstream group with this name in the configuration being compiled, or null. */
    public UpstreamGroup upstream(String name) {
        return upstreams.get(name);
    }

    /** Reports a problem found while building the filter ({@code file:line: key.path: message}). */
    public void problem(String keyPath, String message) {
        problems.add(location, keyPath == null || keyPath.isEmpty() ? path : path + "." + keyPath, message);
    }
}
