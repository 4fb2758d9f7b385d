package dev.gateway.core.route;

import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.upstream.UpstreamGroup;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Arrays;
import java.util.Set;

/**
 * A compiled route: immutable, shared by every request that matches it, built once per configuration load.
 * Holds everything the request path needs so that no configuration is looked up per request.
 */
public final class Route {
    private final String id;
    private final Set<String> methods;
    private final UpstreamGroup upstream;
    private final String rewriteFrom;
    private final String rewriteTo;
    private final long timeoutMillis;
    private final GatewayFilter[] filters;
    private final RequestMetrics metrics;
    private final boolean needsBody;
    private final boolean editsResponses;

    public Route(String id, Set<String> methods, UpstreamGroup upstream, String rewriteFrom, String rewriteTo,
            long timeoutMillis, GatewayFilter[] filters) {
        this(id, methods, upstream, rewriteFrom, rewriteTo, timeoutMillis, filters, RequestMetrics.NOOP);
    }

    public Route(String id, Set<String> methods, UpstreamGroup upstream, String rewriteFrom, String rewriteTo,
            long timeoutMillis, GatewayFilter[] filters, RequestMetrics metrics) {
        this(id, methods, upstream, rewriteFrom, rewriteTo, timeoutMillis, filters, metrics, false);
    }

    public Route(String id, Set<String> methods, UpstreamGroup upstream, String rewriteFrom, String rewriteTo,
            long timeoutMillis, GatewayFilter[] filters, RequestMetrics metrics, boolean needsBody) {
        this.needsBody = needsBody;
        this.metrics = metrics;
        this.id = id;
        this.methods = Set.copyOf(methods);
        this.upstream = upstream;
        this.rewriteFrom = rewriteFrom;
        this.rewriteTo = rewriteTo;
        this.timeoutMillis = timeoutMillis;
        this.filters = filters.clone();
        this.editsResponses = Arrays.stream(filters).anyMatch(Route::overridesOnResponse);
    }

    public String id() {
        return id;
    }

    public Set<String> methods() {
        return methods;
    }

    public UpstreamGroup upstream() {
        return upstream;
    }

    /** Time allowed from the end of the request to the upstream's response headers. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** The filter chain in its fixed order; the array is owned by the route: do not modify. */
    public GatewayFilter[] filters() {
        return filters;
    }

    /** True if a filter of this route reads the body: it is buffered before the chain runs. */
    /**
     * Whether a filter of this route overrides {@link GatewayFilter#onResponse}: only then are upstream response
     * headers turned into an {@link HttpHeaders} object; otherwise they are forwarded
     * as raw lines.
     */
    public boolean editsResponses() {
        return editsResponses;
    }

    private static boolean overridesOnResponse(GatewayFilter f) {
        try {
            Class<?> declaring = f.getClass().getMethod("onResponse", RequestContext.class, HttpHeaders.class)
                    .getDeclaringClass();
            return declaring != GatewayFilter.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }

    public boolean needsBody() {
        return needsBody;
    }

    /** This route's request timers (resolved at compile time). */
    public RequestMetrics metrics() {
        return metrics;
    }

    /** The upstream path for a normalised request path: the configured prefix replaced, else unchanged. */
    public String rewrite(String path) {
        String from = rewriteFrom;
        if (from == null) {
            return path;
        }
        if (from.equals("/")) {
            return rewriteTo.isEmpty() || rewriteTo.equals("/") ? path : rewriteTo + path;
        }
        if (!path.startsWith(from) || (path.length() > from.length() && path.charAt(from.length()) != '/')) {
            return path;
        }
        String rest = path.substring(from.length());
        String out = rewriteTo.equals("/") ? rest : rewriteTo + rest;
        return out.isEmpty() ? "/" : out;
    }

    @Override
    public String toString() {
        return id;
    }
}
