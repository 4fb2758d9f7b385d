package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One route as configured: what it matches and where it sends the request. {@code websocket}: WebSocket handshakes
 * are forwarded with their Upgrade headers and the connection relays bytes after the upstream's 101, closed after
 * {@code websocketIdleTimeout} without a byte either way. Exactly one of {@code upstream}, {@code mock} (the route
 * answers itself) and {@code batch} (the route runs batch calls) is set. {@code retries}: the route's {@code retries:}
 * section, or null (then only a kept-alive connection that the upstream closed as the request was sent is tried
 * again, see {@code RetryPolicy.STALE_CONNECTION}). {@code circuitBreaker}: the route's own breaker over all its
 * upstream attempts, or null. {@code retries} and {@code circuitBreaker} are only allowed on upstream routes.
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
        BatchConfig batch,
        RetriesConfig retries,
        CircuitBreakerConfig circuitBreaker) {

    /** A route without a batch, retries or circuit-breaker section. */
    public RouteConfig(String id, ConfigNode.Location location, String path, List<String> hosts, List<String> paths,
            Set<String> methods, String upstream, ConfigNode.Location upstreamLocation, Rewrite rewrite,
            Duration timeout, Duration filterTimeout, String group, List<FilterSpec> filters, boolean websocket,
            Duration websocketIdleTimeout, MockConfig mock) {
        this(id, location, path, hosts, paths, methods, upstream, upstreamLocation, rewrite, timeout, filterTimeout,
                group, filters, websocket, websocketIdleTimeout, mock, null, null, null);
    }

    /** A route without a circuit-breaker section. */
    public RouteConfig(String id, ConfigNode.Location location, String path, List<String> hosts, List<String> paths,
            Set<String> methods, String upstream, ConfigNode.Location upstreamLocation, Rewrite rewrite,
            Duration timeout, Duration filterTimeout, String group, List<FilterSpec> filters, boolean websocket,
            Duration websocketIdleTimeout, MockConfig mock, BatchConfig batch, RetriesConfig retries) {
        this(id, location, path, hosts, paths, methods, upstream, upstreamLocation, rewrite, timeout, filterTimeout,
                group, filters, websocket, websocketIdleTimeout, mock, batch, retries, null);
    }

    public RouteConfig {
        filters = List.copyOf(filters);
        hosts = List.copyOf(hosts);
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods);
    }

    /** This route with another filter list (filters that other parts of the configuration select). */
    public RouteConfig withFilters(List<FilterSpec> chain) {
        return new RouteConfig(id, location, path, hosts, paths, methods, upstream, upstreamLocation, rewrite, timeout,
                filterTimeout, group, chain, websocket, websocketIdleTimeout, mock, batch, retries, circuitBreaker);
    }

    /** Replace the leading {@code from} of the normalised path with {@code to} (strip: {@code to} is empty). */
    public record Rewrite(String from, String to) {}
}
