package dev.gateway.server.netty;

import dev.gateway.core.config.Cidr;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.config.TracingConfig;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.upstream.UpstreamClient;
import io.netty.channel.group.ChannelGroup;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection of the proxy listener shares: the compiled configuration, the
 * upstream client, the access log and the lifecycle flags. Thread-safe.
 */
public final class ProxyState {
    private final ConfigCompiler.Compiled compiled;
    private final long minRouteTimeoutMillis;
    private volatile boolean draining;
    private final ServerConfig server;
    private final UpstreamClient client;
    private final AccessLog accessLog;
    private final ChannelGroup connections;
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final Cidr[] trusted;
    private final TracingConfig tracing;
    private final RequestMetrics unrouted;

    /** @param meters where requests that match no route are recorded, or null when metrics are off */
    public ProxyState(ConfigCompiler.Compiled compiled, UpstreamClient client, AccessLog accessLog,
            ChannelGroup connections, TracingConfig tracing, Meters meters) {
        this.tracing = tracing;
        this.unrouted = meters == null ? RequestMetrics.NOOP
                : new RequestMetrics(meters.requests(), "-", new String[] {RequestMetrics.DEFAULT_VARIANT});
        this.compiled = compiled;
        this.minRouteTimeoutMillis = compiled.minRouteTimeoutMillis();
        this.server = compiled.config().server();
        this.client = client;
        this.accessLog = accessLog;
        this.connections = connections;
        List<Cidr> t = server.trustedProxies();
        this.trusted = t.toArray(new Cidr[0]);
    }

    public ConfigCompiler.Compiled compiled() {
        return compiled;
    }

    /** The smallest route timeout (connection timers never sleep longer), computed once. */
    long minRouteTimeoutMillis() {
        return minRouteTimeoutMillis;
    }

    public TracingConfig tracing() {
        return tracing;
    }

    /** Timers for requests answered before a route matched (400, 404, ...), tagged route="-". */
    public RequestMetrics unroutedMetrics() {
        return unrouted;
    }

    public ServerConfig server() {
        return server;
    }

    public UpstreamClient client() {
        return client;
    }

    public AccessLog accessLog() {
        return accessLog;
    }

    public ChannelGroup connections() {
        return connections;
    }

    public AtomicInteger connectionCount() {
        return connectionCount;
    }

    /** Requests received and not yet answered in full. */
    public AtomicInteger activeRequests() {
        return activeRequests;
    }

    public boolean isDraining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }

    boolean isTrustedProxy(byte[] address) {
        for (Cidr c : trusted) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
