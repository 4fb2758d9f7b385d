package dev.gateway.server.http1;

import dev.gateway.core.exchange.ExchangeLog;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.runtime.CurrentConfig;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.AsciiString;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every connection of the proxy listener shares: the configuration in force, where finished exchanges are
 * recorded, the open connections and the lifecycle flags. Thread-safe.
 */
public final class ProxyState {
    private final CurrentConfig config;
    private final ExchangeLog log;
    private final RequestMetrics unrouted;
    private final ChannelGroup connections;
    private final AtomicInteger connectionCount = new AtomicInteger();
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger webSockets = new AtomicInteger();
    private volatile boolean draining;
    /** The text of the listeners' ports for X-Forwarded-Port (cleartext, TLS), made once, shared by connections. */
    private volatile AsciiString localPort = AsciiString.EMPTY_STRING;
    private volatile AsciiString otherPort = AsciiString.EMPTY_STRING;

    /** @param unrouted where requests answered before a route matched (400, 404, ...) are timed, route="-" */
    public ProxyState(CurrentConfig config, ExchangeLog log, RequestMetrics unrouted, ChannelGroup connections) {
        this.config = config;
        this.log = log;
        this.unrouted = unrouted;
        this.connections = connections;
    }

    public CurrentConfig config() {
        return config;
    }

    public ExchangeLog log() {
        return log;
    }

    public RequestMetrics unrouted() {
        return unrouted;
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

    /** WebSocket relays open now (their client connections also count in {@link #connectionCount()}). */
    public AtomicInteger webSockets() {
        return webSockets;
    }

    /** {@code port} as text, shared by every connection on it (no string per connection). */
    public AsciiString localPort(int port) {
        AsciiString p = localPort;
        if (p.length() != 0 && p.parseInt() == port) {
            return p;
        }
        AsciiString o = otherPort;
        if (o.length() != 0 && o.parseInt() == port) {
            return o;
        }
        o = AsciiString.of(Integer.toString(port));
        if (p.length() == 0) {
            localPort = o;
        } else {
            otherPort = o;
        }
        return o;
    }

    public boolean isDraining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}
