package dev.gateway.core.config;

import dev.gateway.core.filter.FilterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One route as configured: what it matches and where it sends the request. {@code websocket}: WebSocket handshakes
 * are forwarded with their Upgrade headers and the connection relays bytes after the upstream's 101, closed after
 * {@code websocketIdleTimeout} without a byte either way. Exactly one of {@code upstream} and {@code mock} (the route
 * answers itself) is set. {@code circuitBreaker}: the route's own breaker over all its upstream attempts, or null.
 */
public record RouteConfig(
        String id,
        ConfigNode.Location location,
        String path,
        List<String> hosts,
        List<String> paths,
        Set<String> methods,
        String upstream,
        ConfigNode.Location upstreamLocation,
        Rewrite rewrite,
        Duration timeout,
        Duration filterTimeout,
        String group,
        List<FilterSpec> filters,
        boolean websocket,
        Duration websocketIdleTimeout,
        MockConfig mock,
        CircuitBreakerConfig circuitBreaker) {

    public RouteConfig {
        filters = List.copyOf(filters);
        hosts = List.copyOf(hosts);
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
    }

    /** This route with another filter list (filters that other parts of the configuration select). */
    public RouteConfig withFilters(List<FilterSpec> chain) {
        return new RouteConfig(id, location, path, hosts, paths, methods, upstream, upstreamLocation, rewrite, timeout,
                filterTimeout, group, chain, websocket, websocketIdleTimeout, mock, circuitBreaker);
    }

    /** Replace the leading {@code from} of the normalised path with {@code to} (strip: {@code to} is empty). */
    public record Rewrite(String from, String to) {}
}
