package dev.gateway.core.upstream;

import dev.gateway.core.metrics.UpstreamMetrics;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend address of an upstream group. Its address was resolved when the configuration was loaded, so
 * connecting never does a DNS lookup on an event loop. {@link #id()} indexes the per-loop pool arrays.
 */
public final class Target {
    private final int id;
    private final String url;
    private final InetSocketAddress address;
    private final AsciiString hostHeader;
    private final int weight;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final UpstreamMetrics metrics;

    public Target(int id, String url, InetSocketAddress address, String hostHeader, int weight) {
        this(id, url, address, hostHeader, weight, UpstreamMetrics.NOOP);
    }

    public Target(int id, String url, InetSocketAddress address, String hostHeader, int weight,
            UpstreamMetrics metrics) {
        this.metrics = metrics;
        this.id = id;
        this.url = url;
        this.address = address;
        this.hostHeader = AsciiString.of(hostHeader);
        this.weight = weight;
    }

    public int id() {
        return id;
    }

    /** {@code http://host:port} as configured; used in logs and metrics. */
    public String url() {
        return url;
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The Host header value naming this target ({@code host} or {@code host:port}). */
    public AsciiString hostHeader() {
        return hostHeader;
    }

    public int weight() {
        return weight;
    }

    /** Upstream attempt timers of this target. */
    public UpstreamMetrics metrics() {
        return metrics;
    }

    /** Requests sent to this target (any loop) that have not finished yet. */
    public int outstanding() {
        return outstanding.get();
    }

    void incrementOutstanding() {
        outstanding.incrementAndGet();
    }

    void decrementOutstanding() {
        outstanding.decrementAndGet();
    }

    @Override
    public String toString() {
        return url;
    }
}
