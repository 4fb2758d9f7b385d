package dev.gateway.core.internal;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.config.UpstreamConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterSpec;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.metadata.EmbeddedMetadata;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Turns a loaded {@link GatewayConfig} into the objects the request path uses: upstream groups with resolved
 * targets and the {@link RouteTable}. Runs off the event loops: it resolves host names (the only DNS lookups the
 * gateway makes).
 */
public final class ConfigCompiler {
    private final IntSupplier targetIds;
    private final int eventLoops;
    private final Meters meters;
    private final java.time.Clock clock;

    /** A compiler that records no metrics (used by {@code --check} and unit tests). */
    public ConfigCompiler(IntSupplier targetIds, int eventLoops) {
        this(targetIds, eventLoops, null);
    }

    /**
     * @param targetIds source of fresh {@link Target} ids (the upstream client's)
     * @param eventLoops the number of event loops, to split per-target connection limits among their pools
     * @param meters where routes and targets register their meters; null when metrics are off
     */
    public ConfigCompiler(IntSupplier targetIds, int eventLoops, Meters meters) {
        this(targetIds, eventLoops, meters, java.time.Clock.systemUTC());
    }

    /** @param clock the time filters see (skew checks); tests pass a fixed clock */
    public ConfigCompiler(IntSupplier targetIds, int eventLoops, Meters meters, java.time.Clock clock) {
        this.clock = clock;
        this.meters = meters;
        this.targetIds = targetIds;
        this.eventLoops = Math.max(1, eventLoops);
    }

    /** The compiled form of one configuration. */
    public record Compiled(GatewayConfig config, RouteTable routes, Map<String, UpstreamGroup> upstreams) {
        /** The smallest route timeout (connection timers never sleep longer); 60 s when there are no routes. */
        public long minRouteTimeoutMillis() {
            return routes.routes().stream().mapToLong(r -> r.timeoutMillis()).min().orElse(60_000);
        }
    }

    public Compiled compile(GatewayConfig config) throws ConfigException {
        Problems problems = new Problems();
        Map<String, UpstreamGroup> groups = new LinkedHashMap<>();
        for (UpstreamConfig u : config.upstreams().values()) {
            List<Target> targets = new ArrayList<>();
            for (UpstreamConfig.TargetConfig t : u.targets()) {
                InetAddress addr;
                try {
                    addr = InetAddress.getByName(t.host());
                } catch (UnknownHostException e) {
                    problems.add(t.location(), t.path(), "cannot resolve host '" + t.host() + "'");
                    continue;
                }
                String hostHeader = t.port() == 80 ? hostForHeader(t.host()) : hostForHeader(t.host()) + ":" + t.port();
                UpstreamMetrics um = meters == null ? UpstreamMetrics.NOOP
                        : new UpstreamMetrics(meters.upstream(), u.name(), t.toString());
                targets.add(new Target(targetIds.getAsInt(), t.toString(), new InetSocketAddress(addr, t.port()),
                        hostHeader, t.weight(), um));
            }
            UpstreamGroup.PoolSettings pool = new UpstreamGroup.PoolSettings(
                    ceilDiv(u.maxConnectionsPerTarget(), eventLoops),
                    ceilDiv(u.maxPendingRequests(), eventLoops),
                    u.connectTimeout().toMillis(),
                    u.idleTimeout().toNanos());
            groups.put(u.name(), new UpstreamGroup(u.name(), targets, u.balancer(),
                    u.hostHeader() == UpstreamConfig.HostHeader.CLIENT, pool));
        }
        problems.throwIfAny();
        List<RouteTable.Entry> entries = new ArrayList<>();
        MetadataSource apps = new EmbeddedMetadata(config.apps());
        for (RouteConfig r : config.routes()) {
            FilterContext fc = new FilterContext(r.id(), r.group(), apps,
                    meters == null ? null : meters.registry(), clock);
            GatewayFilter[] chain = new GatewayFilter[r.filters().size()];
            for (int i = 0; i < chain.length; i++) {
                chain[i] = r.filters().get(i).create(fc);
            }
            String from = r.rewrite() == null ? null : r.rewrite().from();
            String to = r.rewrite() == null ? null : r.rewrite().to();
            RequestMetrics rm = meters == null ? RequestMetrics.NOOP
                    : new RequestMetrics(meters.requests(), r.id(), new String[] {RequestMetrics.DEFAULT_VARIANT});
            java.util.Set<String> methods = new java.util.LinkedHashSet<>(r.methods());
            if (!methods.isEmpty()) {
                r.filters().forEach(f -> methods.addAll(f.extraMethods()));
            }
            Route route = new Route(r.id(), methods, groups.get(r.upstream()), from, to, r.timeout().toMillis(),
                    chain, rm, r.filters().stream().anyMatch(FilterSpec::needsBody));
            entries.add(new RouteTable.Entry(route, r.hosts(), r.paths()));
        }
        return new Compiled(config, RouteTable.compile(entries), java.util.Collections.unmodifiableMap(groups));
    }

    private static String hostForHeader(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
