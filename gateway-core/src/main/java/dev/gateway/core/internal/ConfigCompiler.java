package dev.gateway.core.internal;

import dev.gateway.core.batch.BatchMetrics;
import dev.gateway.core.batch.BatchTerminal;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigFile;
import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.FallbackConfig;
import dev.gateway.core.config.FilterSpec;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.MockConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.config.UpstreamConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.upstream.HealthSelector;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.runtime.Services;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.MockTerminal;
import dev.gateway.core.terminal.RetryPolicy;
import dev.gateway.core.terminal.RouteRetries;
import dev.gateway.core.terminal.Terminal;
import dev.gateway.core.terminal.UpstreamFallback;
import dev.gateway.core.terminal.UpstreamTerminal;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Turns a loaded {@link GatewayConfig} into a {@link Snapshot}: upstream groups whose targets share the upstream
 * client's {@link Endpoint}s (so pools survive the compile), the filters built by their factories, the terminals and
 * the {@link RouteTable}. Runs off the event loops: it resolves host names (the only DNS lookups the gateway makes).
 * Compiling has no effect on what is running; only publishing the snapshot does.
 */
public final class ConfigCompiler {
    private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(ConfigCompiler.class);
    private final Services services;

    public ConfigCompiler(Services services) {
        this.services = services;
    }

    public Snapshot compile(GatewayConfig config) throws ConfigException {
        Problems problems = new Problems();
        Meters meters = services.meters();
        int loops = Math.max(1, services.ioThreads());
        Map<String, UpstreamGroup> built = new LinkedHashMap<>();
        for (UpstreamConfig u : config.upstreams().values()) {
            TargetHealth.Settings health = u.isGuarded()
                    ? new TargetHealth.Settings(u.circuitBreaker(), u.outlierDetection(), u.healthCheck())
                    : null;
            List<Target> targets = new ArrayList<>();
            Endpoint.Protocol protocol = protocol(u.protocol());
            UpstreamTls tls = null;
            Endpoint.TlsKey tlsKey = null;
            UpstreamConfig.Tls c = u.effectiveTls();
            if (c != null) {
                // Built here, once per upstream and configuration, off the event loops.
                ConfigNode.Location at = c.location() != null ? c.location() : u.location();
                try {
                    UpstreamTls.Material m = new UpstreamTls.Material(bytes(c.ca()), bytes(c.clientCert()),
                            bytes(c.clientKey()));
                    tls = UpstreamTls.build(m, c.verify(), c.sni(), protocol == Endpoint.Protocol.H2);
                    tlsKey = new Endpoint.TlsKey(c.sni(), c.verify(), m.digest());
                } catch (Exception e) {
                    problems.add(at, "upstreams." + u.name() + ".tls", "cannot use the TLS settings: "
                            + e.getMessage());
                }
                if (!c.verify()) {
                    logger.warn("{}: upstreams.{}.tls.verify is false: the certificates of its https targets are not "
                            + "checked", at, u.name());
                }
            }
            for (UpstreamConfig.TargetConfig t : u.targets()) {
                InetAddress addr;
                try {
                    addr = InetAddress.getByName(t.host());
                } catch (UnknownHostException e) {
                    problems.add(t.location(), t.path(), "cannot resolve host '" + t.host() + "'");
                    continue;
                }
                String host = hostForHeader(t.host());
                String hostHeader = t.port() == (t.https() ? 443 : 80) ? host : host + ":" + t.port();
                UpstreamMetrics um = meters == null ? UpstreamMetrics.NOOP
                        : new UpstreamMetrics(meters.upstream(), u.name(), t.toString());
                if (t.https() && tls == null) {
                    continue; // its TLS settings are in error (reported above)
                }
                Endpoint endpoint = services.upstreams().endpoint(new Endpoint.Key(t.https() ? "https" : "http",
                        t.host(), t.port(), new InetSocketAddress(addr, t.port()), protocol,
                        t.https() ? tlsKey : null), t.https() ? tls : null);
                TargetHealth th = health == null ? null
                        : services.health().state(u.name(), t.toString(), health);
                targets.add(new Target(endpoint, t.toString(), hostHeader, t.weight(), um, th));
            }
            UpstreamGroup.PoolSettings pool = new UpstreamGroup.PoolSettings(
                    ceilDiv(u.maxConnectionsPerTarget(), loops),
                    ceilDiv(u.maxPendingRequests(), loops),
                    u.connectTimeout().toMillis(),
                    u.idleTimeout().toNanos());
            built.put(u.name(), new UpstreamGroup(u.name(), targets, u.balancer(),
                    services.upstreams().position(u.name()), u.hostHeader() == UpstreamConfig.HostHeader.CLIENT,
                    pool, u.panic()));
        }
        // Fallbacks once every group is built (a fallback upstream is a group of the same configuration).
        Map<UpstreamGroup, UpstreamFallback> fallbacks = new IdentityHashMap<>();
        for (UpstreamConfig u : config.upstreams().values()) {
            UpstreamGroup g = built.get(u.name());
            UpstreamFallback f = fallback(u.fallback(), built);
            if (g != null && f != null) {
                fallbacks.put(g, f);
            }
        }
        problems.throwIfAny();
        Map<String, UpstreamGroup> upstreams = Collections.unmodifiableMap(built);
        Map<UpstreamGroup, UpstreamFallback> upstreamFallbacks = Collections.unmodifiableMap(fallbacks);
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (RouteConfig r : config.routes()) {
            entries.add(new RouteTable.Entry(route(r, config, upstreams, upstreamFallbacks, problems), r.hosts(),
                    r.paths()));
        }
        problems.throwIfAny();
        long minTimeout = config.routes().stream().mapToLong(r -> r.timeout().toMillis()).min().orElse(60_000);
        return new Snapshot(config, RouteTable.compile(entries), upstreams, upstreamFallbacks,
                services.clock().instant(), minTimeout);
    }

    private static byte[] bytes(ConfigFile f) {
        return f == null ? null : f.bytes();
    }

    private static Endpoint.Protocol protocol(UpstreamConfig.Protocol p) {
        switch (p) {
            case H2:
                return Endpoint.Protocol.H2;
            case H2C:
                return Endpoint.Protocol.H2C;
            default:
                return Endpoint.Protocol.HTTP1;
        }
    }

    private Route route(RouteConfig r, GatewayConfig config, Map<String, UpstreamGroup> upstreams,
            Map<UpstreamGroup, UpstreamFallback> fallbacks, Problems problems) {
        GatewayFilter[] chain = new GatewayFilter[r.filters().size()];
        for (int i = 0; i < chain.length; i++) {
            FilterSpec spec = r.filters().get(i);
            chain[i] = FilterFactory.create(spec, new FilterContext(r.id(), r.group(), config, upstreams, problems,
                    spec.location(), spec.path()));
        }
        String from = r.rewrite() == null ? null : r.rewrite().from();
        String to = r.rewrite() == null ? null : r.rewrite().to();
        Meters meters = services.meters();
        RequestMetrics rm = meters == null ? RequestMetrics.NOOP
                : new RequestMetrics(meters.requests(), r.id(), RequestMetrics.VARIANTS.toArray(new String[0]));
        Set<String> methods = new LinkedHashSet<>(r.methods());
        if (!methods.isEmpty()) {
            r.filters().forEach(f -> methods.addAll(FilterFactory.extraMethods(f)));
        }
        Terminal terminal = r.batch() != null
                ? new BatchTerminal(r.batch(), meters == null ? BatchMetrics.NOOP
                        : BatchMetrics.of(meters.registry(), r.id()))
                : r.mock() != null
                ? new MockTerminal(r.mock().status(), r.mock().headerList(), r.mock().template(),
                        r.mock().delay().toNanos())
                : new UpstreamTerminal(upstreams.get(r.upstream()), services.upstreams(), HealthSelector.INSTANCE,
                        retryPolicy(r), r.timeout().toNanos(), r.circuitBreaker() == null ? null
                                : services.health().routeBreaker(r.id(), r.circuitBreaker()), fallbacks);
        boolean editsResponses = false;
        for (GatewayFilter f : chain) {
            editsResponses |= f != null && GatewayFilter.overridesOnResponse(f);
        }
        return new Route(r.id(), r.group(), methods, from, to, TimeUnit.NANOSECONDS.convert(r.filterTimeout()),
                chain, r.filters().stream().anyMatch(FilterFactory::needsBody), editsResponses, terminal, rm,
                r.websocket(), r.websocketIdleTimeout().toNanos());
    }

    /** The compiled {@code fallback:}, or null. */
    private static UpstreamFallback fallback(FallbackConfig f, Map<String, UpstreamGroup> built) {
        if (f == null) {
            return null;
        }
        if (f.upstream() != null) {
            UpstreamGroup g = built.get(f.upstream());
            return g == null ? null : new UpstreamFallback(g, null);
        }
        MockConfig m = f.response();
        return new UpstreamFallback(null,
                new MockTerminal(m.status(), m.headerList(), m.template(), m.delay().toNanos()));
    }

    /** The route's {@code retries:} policy with its long-lived budget, or the default stale-connection retry. */
    private RetryPolicy retryPolicy(RouteConfig r) {
        if (r.retries() == null) {
            return RetryPolicy.STALE_CONNECTION;
        }
        Meters meters = services.meters();
        return new RouteRetries(r.id(), r.retries(), services.retryBudgets().budget(r.id()),
                meters == null ? null : meters.registry());
    }

    private static String hostForHeader(String host) {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
