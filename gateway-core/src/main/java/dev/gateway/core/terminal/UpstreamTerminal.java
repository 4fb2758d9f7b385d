package dev.gateway.core.terminal;

import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.upstream.TargetSelector;
import dev.gateway.core.upstream.UpstreamClient;
import dev.gateway.core.upstream.UpstreamGroup;
import java.util.Map;

/**
 * Forwards a route's requests to its upstream group (or to the group a filter chose instead): a target from the
 * {@link TargetSelector}, a pooled connection of the request's event loop, and another attempt when the
 * {@link RetryPolicy} says so. Immutable; one per route.
 */
public final class UpstreamTerminal implements Terminal {
    private final UpstreamGroup group;
    private final UpstreamClient client;
    private final TargetSelector selector;
    private final RetryPolicy retry;
    /** The route has {@code retries:} (else only stale connections are retried): requests are counted, bodies kept. */
    private final boolean configuredRetries;
    private final long timeoutNanos;
    private final CircuitBreaker breaker;
    /** The fallbacks of the configuration's upstream groups (of the route's own, and of any a filter may choose). */
    private final Map<UpstreamGroup, UpstreamFallback> fallbacks;

    /** @param timeoutNanos time allowed from the end of the request to the upstream's response head */
    public UpstreamTerminal(UpstreamGroup group, UpstreamClient client, TargetSelector selector, RetryPolicy retry,
            long timeoutNanos) {
        this(group, client, selector, retry, timeoutNanos, null);
    }

    /** @param breaker the route's own circuit breaker over all its attempts, or null */
    public UpstreamTerminal(UpstreamGroup group, UpstreamClient client, TargetSelector selector, RetryPolicy retry,
            long timeoutNanos, CircuitBreaker breaker) {
        this(group, client, selector, retry, timeoutNanos, breaker, Map.of());
    }

    /** @param fallbacks the {@code fallback:} of each upstream group of the configuration that has one */
    public UpstreamTerminal(UpstreamGroup group, UpstreamClient client, TargetSelector selector, RetryPolicy retry,
            long timeoutNanos, CircuitBreaker breaker, Map<UpstreamGroup, UpstreamFallback> fallbacks) {
        this.fallbacks = fallbacks;
        this.breaker = breaker;
        this.group = group;
        this.client = client;
        this.selector = selector;
        this.retry = retry;
        this.configuredRetries = retry != RetryPolicy.STALE_CONNECTION;
        this.timeoutNanos = timeoutNanos;
    }

    public UpstreamGroup group() {
        return group;
    }

    UpstreamClient client() {
        return client;
    }

    TargetSelector selector() {
        return selector;
    }

    RetryPolicy retry() {
        return retry;
    }

    boolean hasConfiguredRetries() {
        return configuredRetries;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** What answers when no target of {@code g} can take a request, or null (503). */
    UpstreamFallback fallback(UpstreamGroup g) {
        return fallbacks.get(g);
    }

    /** The route's own circuit breaker ({@code circuit-breaker:} on the route), or null. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public Call open(TerminalExchange exchange) {
        UpstreamCall call = new UpstreamCall(this, exchange);
        call.start();
        return call;
    }

    @Override
    public String toString() {
        return "upstream " + group.name();
    }
}
