package dev.gateway.core.runtime;

import dev.gateway.core.config.Cidr;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.terminal.UpstreamFallback;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One compiled configuration: the route table with its filters and terminals, the upstream groups, and the settings
 * the request path reads. Immutable; built off the event loops and published whole through {@link CurrentConfig}. A
 * request reads the current snapshot once, when it starts, and keeps it for its whole life, so a reload never changes
 * a request halfway. State that must outlive a configuration (pools, balancer positions, caches) is not here but in
 * {@link Services}, keyed by what it describes.
 */
public final class Snapshot {
    private final GatewayConfig config;
    private final RouteTable routes;
    private final Map<String, UpstreamGroup> upstreams;
    private final Map<UpstreamGroup, UpstreamFallback> fallbacks;
    private final Instant loadedAt;
    private final Cidr[] trustedProxies;
    private final long minRouteTimeoutMillis;

    public Snapshot(GatewayConfig config, RouteTable routes, Map<String, UpstreamGroup> upstreams, Instant loadedAt,
            long minRouteTimeoutMillis) {
        this(config, routes, upstreams, Map.of(), loadedAt, minRouteTimeoutMillis);
    }

    /** @param fallbacks the {@code fallback:} of each upstream group that has one */
    public Snapshot(GatewayConfig config, RouteTable routes, Map<String, UpstreamGroup> upstreams,
            Map<UpstreamGroup, UpstreamFallback> fallbacks, Instant loadedAt, long minRouteTimeoutMillis) {
        this.config = config;
        this.routes = routes;
        this.upstreams = Map.copyOf(upstreams);
        this.fallbacks = fallbacks;
        this.loadedAt = loadedAt;
        this.trustedProxies = config.server().trustedProxies().toArray(new Cidr[0]);
        this.minRouteTimeoutMillis = minRouteTimeoutMillis;
    }

    public GatewayConfig config() {
        return config;
    }

    public RouteTable routes() {
        return routes;
    }

    /** The upstream groups by name. */
    public Map<String, UpstreamGroup> upstreams() {
        return upstreams;
    }

    /** What answers when no target of {@code group} can take a request, or null (503). */
    public UpstreamFallback fallback(UpstreamGroup group) {
        return fallbacks.get(group);
    }

    /** A hash of the configuration's source files: the same files give the same version. */
    public String version() {
        return config.version();
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** The smallest route timeout (connection timers never sleep longer); 60 s when there are no routes. */
    public long minRouteTimeoutMillis() {
        return minRouteTimeoutMillis;
    }

    /** Whether a peer at {@code address} is a trusted proxy (its X-Forwarded-* are extended, not replaced). */
    public boolean isTrustedProxy(byte[] address) {
        for (Cidr c : trustedProxies) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Every endpoint this configuration sends requests to. */
    public Set<Endpoint> endpoints() {
        Set<Endpoint> out = new LinkedHashSet<>();
        for (UpstreamGroup g : upstreams.values()) {
            for (Target t : g.targets()) {
                out.add(t.endpoint());
            }
        }
        return out;
    }
}
