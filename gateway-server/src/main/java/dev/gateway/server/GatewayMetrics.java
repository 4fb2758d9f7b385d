package dev.gateway.server;

import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.metrics.GatewayMeters;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamClient;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.server.netty.ProxyState;
import io.micrometer.core.instrument.Counter;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus registry and the process-wide meters: JVM, GC, threads, the Netty pooled allocator, active
 * connections and requests, upstream pool gauges and configuration loads. Per-route and per-target latency
 * histograms are series of {@link #meters()}' families, found by the {@link ConfigCompiler} and exported by a
 * {@link HistogramCollector} registered with the same registry.
 */
public final class GatewayMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Meters meters = Meters.create(registry);

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

    /** Gauges over the proxy's live state. */
    void bindProxy(ProxyState state) {
        Gauge.builder(GatewayMeters.CONNECTIONS_ACTIVE, state.connectionCount(), AtomicInteger::get)
                .description("Open client connections on the proxy listener").strongReference(true).register(registry);
        Gauge.builder(GatewayMeters.REQUESTS_ACTIVE, state.activeRequests(), AtomicInteger::get)
                .description("Requests received and not yet answered in full").strongReference(true).register(registry);
    }

    /** Pool gauges per target: summed over the event loops' pools, read at scrape time. */
    void bindPools(UpstreamClient client, ConfigCompiler.Compiled compiled) {
        for (UpstreamGroup g : compiled.upstreams().values()) {
            for (Target t : g.targets()) {
                poolGauge(client, g, t, "open", ConnectionPool::open);
                poolGauge(client, g, t, "idle", ConnectionPool::idle);
                Gauge.builder(GatewayMeters.UPSTREAM_PENDING, client, c -> sum(c, t, ConnectionPool::pending))
                        .description("Requests waiting for a connection to the target")
                        .tags("upstream", g.name(), "target", t.url()).strongReference(true).register(registry);
            }
        }
    }

    private void poolGauge(UpstreamClient client, UpstreamGroup g, Target t, String state,
            ToDoubleFunction<ConnectionPool> f) {
        Gauge.builder(GatewayMeters.UPSTREAM_CONNECTIONS, client, c -> sum(c, t, f))
                .description("Pooled upstream connections per target (open includes busy and connecting)")
                .tags("upstream", g.name(), "target", t.url(), "state", state).strongReference(true)
                .register(registry);
    }

    private static double sum(UpstreamClient client, Target t, ToDoubleFunction<ConnectionPool> f) {
        double n = 0;
        for (ConnectionPool p : client.pools()) {
            if (p.target() == t) {
                n += f.applyAsDouble(p);
            }
        }
        return n;
    }

    /** Counts a configuration load ({@code result} = success or failure). */
    void configLoaded(boolean success) {
        Counter.builder(GatewayMeters.CONFIG_RELOADS).description("Configuration loads, initial and reloads")
                .tag("result", success ? "success" : "failure").register(registry).increment();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
