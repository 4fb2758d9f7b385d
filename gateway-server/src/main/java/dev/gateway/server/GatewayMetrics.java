package dev.gateway.server;

import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.route.Route;
import dev.gateway.core.terminal.UpstreamTerminal;
import dev.gateway.core.metrics.GatewayMeters;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.core.upstream.Endpoint;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.server.http1.ProxyState;
import dev.gateway.server.http2.Http2Floods;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.gateway.core.upstream.Allocators;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus registry and the process-wide meters: JVM, GC, threads, the Netty pooled allocator, active
 * connections and requests, upstream pool gauges and configuration loads. Per-route and per-target latency
 * histograms are series of {@link #meters()}' families, found when a configuration is compiled and exported by a
 * {@link HistogramCollector} registered with the same registry.
 */
public final class GatewayMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Meters meters = Meters.create(registry);
    /** The pool gauges of the configuration in force, by upstream, target and endpoint. */
    private final Map<List<Object>, List<Meter>> poolGauges = new HashMap<>();
    /** The health gauges of the configuration in force, by upstream, target and health state. */
    private final Map<List<Object>, List<Meter>> healthGauges = new HashMap<>();

    public GatewayMetrics() {
        registry.config().meterFilter(PROMETHEUS_LINT);
        registry.getPrometheusRegistry().register(new HistogramCollector(meters.histograms()));
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        if (Allocators.pooled() != null) {
            new NettyAllocatorMetrics(Allocators.pooled()).bindTo(registry);
        }
    }

    /**
     * Keeps the exposition clean for {@code promtool check metrics}: every meter gets help text (Netty's allocator
     * binder sets none), {@code system.cpu.count} is renamed (a "_count" suffix belongs to summaries and
     * histograms) and {@code process.cpu.time} in "ns" is dropped ({@code process_cpu_usage} remains).
     */
    private static final MeterFilter PROMETHEUS_LINT = new MeterFilter() {
        @Override
        public MeterFilterReply accept(Meter.Id id) {
            return id.getName().equals("process.cpu.time") ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
        }

        @Override
        public Meter.Id map(Meter.Id id) {
            String name = id.getName().equals("system.cpu.count") ? "system.cpus" : id.getName();
            String description = id.getDescription();
            if (description == null || description.isBlank()) {
                description = name.startsWith("netty.allocator")
                        ? "Netty pooled allocator: " + name.substring("netty.allocator.".length()).replace('.', ' ')
                        : name.replace('.', ' ');
            }
            return new Meter.Id(name, Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description, id.getType());
        }
    };

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** What compiled routes, targets and filters record into. */
    public Meters meters() {
        return meters;
    }

    /** Gauges over the proxy's live state, and the HTTP/2 flood counts. */
    void bindProxy(ProxyState state, Http2Floods floods) {
        for (Http2Floods.Kind kind : Http2Floods.Kind.values()) {
            FunctionCounter.builder(GatewayMeters.HTTP2_FLOODS, floods, f -> f.get(kind)).tag("kind", kind.tag())
                    .description("HTTP/2 floods that refused a stream or closed a client connection")
                    .register(registry);
        }
        Gauge.builder(GatewayMeters.CONNECTIONS_ACTIVE, state.connectionCount(), AtomicInteger::get)
                .description("Open client connections on the proxy listener").strongReference(true).register(registry);
        Gauge.builder(GatewayMeters.REQUESTS_ACTIVE, state.activeRequests(), AtomicInteger::get)
                .description("Requests received and not yet answered in full").strongReference(true).register(registry);
        Gauge.builder(GatewayMeters.WEBSOCKET_CONNECTIONS_ACTIVE, state.webSockets(), AtomicInteger::get)
                .description("WebSocket connections relayed now (after the upstream's 101)").strongReference(true)
                .register(registry);
    }

    /**
     * Pool gauges per (upstream, target) of {@code snapshot}, summed over the event loops' pools of the target's
     * endpoint and read at scrape time. Called at start and after every reload: gauges of targets that are gone are
     * removed, those of targets still present are kept.
     */
    public synchronized void bindPools(Snapshot snapshot) {
        Map<List<Object>, List<Meter>> next = new HashMap<>();
        for (UpstreamGroup g : snapshot.upstreams().values()) {
            for (Target t : g.targets()) {
                List<Object> key = List.of(g.name(), t.url(), t.endpoint());
                List<Meter> meters = poolGauges.remove(key);
                if (meters == null) {
                    Endpoint e = t.endpoint();
                    meters = List.of(poolGauge(g, t, "open", ConnectionPool::open),
                            poolGauge(g, t, "idle", ConnectionPool::idle),
                            Gauge.builder(GatewayMeters.UPSTREAM_PENDING, e, x -> sum(x, ConnectionPool::pending))
                                    .description("Requests waiting for a connection to the target")
                                    .tags("upstream", g.name(), "target", t.url()).strongReference(true)
                                    .register(registry));
                }
                next.put(key, meters);
            }
        }
        for (List<Meter> gone : poolGauges.values()) {
            gone.forEach(registry::remove);
        }
        poolGauges.clear();
        poolGauges.putAll(next);
        bindHealth(snapshot);
    }

    /**
     * Per (upstream, target) of guarded upstreams: the breaker's state and whether health lets the target take
     * traffic, read at scrape time from the health state the configuration uses (kept across reloads).
     */
    private void bindHealth(Snapshot snapshot) {
        Map<List<Object>, Target> wanted = new java.util.LinkedHashMap<>();
        Map<List<Object>, String> upstreamOf = new HashMap<>();
        for (UpstreamGroup g : snapshot.upstreams().values()) {
            for (Target t : g.targets()) {
                if (t.health() != null) {
                    List<Object> key = List.of(g.name(), t.url(), t.health());
                    wanted.put(key, t);
                    upstreamOf.put(key, g.name());
                }
            }
        }
        Map<List<Object>, CircuitBreaker> routeBreakers = new HashMap<>();
        for (Route r : snapshot.routes().routes()) {
            if (r.terminal() instanceof UpstreamTerminal ut && ut.breaker() != null) {
                routeBreakers.put(List.of(r.id(), ut.breaker()), ut.breaker());
            }
        }
        // Gone first: a target whose health state was replaced gets gauges of the same name and tags again.
        for (var it = healthGauges.entrySet().iterator(); it.hasNext();) {
            var e = it.next();
            if (!wanted.containsKey(e.getKey()) && !routeBreakers.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (var e : wanted.entrySet()) {
            if (healthGauges.containsKey(e.getKey())) {
                continue;
            }
            Target t = e.getValue();
            TargetHealth h = t.health();
            String upstream = upstreamOf.get(e.getKey());
            List<Meter> m = new java.util.ArrayList<>();
            m.add(Gauge.builder(GatewayMeters.UPSTREAM_HEALTHY, h, x -> x.isAvailable() ? 1 : 0)
                    .description("1 while the target takes traffic as far as health goes (not unhealthy, not ejected)")
                    .tags("upstream", upstream, "target", t.url()).strongReference(true).register(registry));
            if (h.breaker() != null) {
                m.add(Gauge.builder(GatewayMeters.CIRCUIT_BREAKER_STATE, h.breaker(), b -> b.state().gaugeValue())
                        .description("Circuit breaker state of the target: 0 closed, 1 open, 2 half-open")
                        .tags("upstream", upstream, "target", t.url()).strongReference(true).register(registry));
            }
            healthGauges.put(e.getKey(), m);
        }
        for (var e : routeBreakers.entrySet()) {
            if (!healthGauges.containsKey(e.getKey())) {
                healthGauges.put(e.getKey(), List.of(Gauge.builder(GatewayMeters.ROUTE_CIRCUIT_BREAKER_STATE,
                                e.getValue(), b -> b.state().gaugeValue())
                        .description("A route's own circuit breaker: 0 closed, 1 open, 2 half-open")
                        .tags("route", (String) e.getKey().get(0)).strongReference(true).register(registry)));
            }
        }
    }

    private Meter poolGauge(UpstreamGroup g, Target t, String state, ToDoubleFunction<ConnectionPool> f) {
        return Gauge.builder(GatewayMeters.UPSTREAM_CONNECTIONS, t.endpoint(), e -> sum(e, f))
                .description("Pooled upstream connections per target (open includes busy and connecting)")
                .tags("upstream", g.name(), "target", t.url(), "state", state).strongReference(true)
                .register(registry);
    }

    private static double sum(Endpoint e, ToDoubleFunction<ConnectionPool> f) {
        double[] n = new double[1];
        e.forEachPool(p -> n[0] += f.applyAsDouble(p));
        return n[0];
    }

    /** Counts a configuration load ({@code result} = success or failure). */
    public void configLoaded(boolean success) {
        Counter.builder(GatewayMeters.CONFIG_RELOADS).description("Configuration loads, initial and reloads")
                .tag("result", success ? "success" : "failure").register(registry).increment();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
