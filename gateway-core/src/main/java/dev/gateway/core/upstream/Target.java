package dev.gateway.core.upstream;

import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.metrics.UpstreamMetrics;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;

/**
 * One backend of an upstream group, as one configuration compiled it: its weight, the Host header naming it and its
 * metrics. Its address was resolved when the configuration was loaded, so connecting never does a DNS lookup on an
 * event loop. The connections and the count of requests in flight belong to its {@link Endpoint}, which outlives
 * the configuration. Immutable.
 */
public final class Target {
    private final Endpoint endpoint;
    private final String url;
    private final AsciiString hostHeader;
    private final int weight;
    private final UpstreamMetrics metrics;
    private final TargetHealth health;

    public Target(Endpoint endpoint, String url, String hostHeader, int weight, UpstreamMetrics metrics) {
        this(endpoint, url, hostHeader, weight, metrics, null);
    }

    /** @param health its breaker, ejection and check state (kept across reloads), or null when none is configured */
    public Target(Endpoint endpoint, String url, String hostHeader, int weight, UpstreamMetrics metrics,
            TargetHealth health) {
        this.health = health;
        this.endpoint = endpoint;
        this.url = url;
        this.hostHeader = AsciiString.of(hostHeader);
        this.weight = weight;
        this.metrics = metrics;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** {@code http://host:port} as configured; used in logs and metrics. */
    public String url() {
        return url;
    }

    public InetSocketAddress address() {
        return endpoint.address();
    }

    /** The Host header value naming this target ({@code host} or {@code host:port}). */
    public AsciiString hostHeader() {
        return hostHeader;
    }

    public int weight() {
        return weight;
    }

    /** Upstream attempt timers of this target in its group. */
    public UpstreamMetrics metrics() {
        return metrics;
    }

    /**
     * Its health state in its upstream (circuit breaker, outlier ejection, active checks), or null when the upstream
     * configures none: every attempt's outcome is reported to it, and the selector skips the target while it is down.
     */
    public TargetHealth health() {
        return health;
    }

    /** Requests to this target's address that have not finished yet (kept across reloads). */
    public int outstanding() {
        return endpoint.outstanding();
    }

    @Override
    public String toString() {
        return url;
    }
}
