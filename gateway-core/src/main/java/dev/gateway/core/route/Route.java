package dev.gateway.core.route;

import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.terminal.Terminal;
import java.util.Set;

/**
 * A compiled route: immutable, shared by every request that matches it, built once per configuration load. Holds
 * everything the request path needs, so that no configuration is looked up per request: the filters in their fixed
 * order, the terminal step that answers after them, timeouts, rewrite and meters.
 */
public final class Route {
    private final String id;
    private final String group;
    private final Set<String> methods;
    private final String rewriteFrom;
    private final String rewriteTo;
    private final long filterTimeoutNanos;
    private final GatewayFilter[] filters;
    private final boolean needsBody;
    private final boolean editsResponses;
    /** Per filter: it overrides onResponse (only those are asked whether they edit a response). */
    private final boolean[] responseEditors;
    private final Terminal terminal;
    private final RequestMetrics metrics;
    private final boolean websocket;
    private final long websocketIdleTimeoutNanos;

    /**
     * @param group the route group (apps may be allowed a whole group), or null
     * @param rewriteFrom the path prefix replaced by {@code rewriteTo} before forwarding, or null
     * @param filterTimeoutNanos how long the filters may take in all before the request gets 503 filter_timeout
     * @param needsBody a filter reads the body: it is buffered before the chain runs
     * @param editsResponses a filter overrides {@link GatewayFilter#onResponse}
     */
    public Route(String id, String group, Set<String> methods, String rewriteFrom, String rewriteTo,
            long filterTimeoutNanos, GatewayFilter[] filters, boolean needsBody, boolean editsResponses,
            Terminal terminal, RequestMetrics metrics) {
        this(id, group, methods, rewriteFrom, rewriteTo, filterTimeoutNanos, filters, needsBody, editsResponses,
                terminal, metrics, false, 0);
    }

    /**
     * @param websocket WebSocket handshakes are forwarded with their Upgrade headers and relayed after a 101
     * @param websocketIdleTimeoutNanos a relay without a byte either way for this long is closed
     */
    public Route(String id, String group, Set<String> methods, String rewriteFrom, String rewriteTo,
            long filterTimeoutNanos, GatewayFilter[] filters, boolean needsBody, boolean editsResponses,
            Terminal terminal, RequestMetrics metrics, boolean websocket, long websocketIdleTimeoutNanos) {
        this.id = id;
        this.group = group;
        this.methods = Set.copyOf(methods);
        this.rewriteFrom = rewriteFrom;
        this.rewriteTo = rewriteTo;
        this.filterTimeoutNanos = filterTimeoutNanos;
        this.filters = filters.clone();
        this.needsBody = needsBody;
        this.responseEditors = new boolean[this.filters.length];
        boolean any = false;
        for (int i = 0; i < this.filters.length; i++) {
            GatewayFilter f = this.filters[i];
            responseEditors[i] = editsResponses && f != null && GatewayFilter.overridesOnResponse(f);
            any |= responseEditors[i];
        }
        this.editsResponses = any;
        this.terminal = terminal;
        this.metrics = metrics;
        this.websocket = websocket;
        this.websocketIdleTimeoutNanos = websocketIdleTimeoutNanos;
    }

    /** A route that only matches (no filters, no terminal): for tests and benchmarks of the route table. */
    public static Route matchOnly(String id, Set<String> methods, String rewriteFrom, String rewriteTo) {
        return new Route(id, null, methods, rewriteFrom, rewriteTo, 0, new GatewayFilter[0], false, false, null,
                RequestMetrics.NOOP);
    }

    public String id() {
        return id;
    }

    /** The route group, or null. */
    public String group() {
        return group;
    }

    public Set<String> methods() {
        return methods;
    }

    /** The filter chain in its fixed order; the array is owned by the route: do not modify. */
    public GatewayFilter[] filters() {
        return filters;
    }

    public long filterTimeoutNanos() {
        return filterTimeoutNanos;
    }

    /** True if a filter of this route reads the body: it is buffered before the chain runs. */
    public boolean needsBody() {
        return needsBody;
    }

    /**
     * Whether a filter of this route overrides {@link GatewayFilter#onResponse}: only then may upstream response
     * headers be turned into a header object; otherwise they are forwarded as raw lines.
     */
    public boolean editsResponses() {
        return editsResponses;
    }

    /** Whether the filter at {@code index} overrides {@link GatewayFilter#onResponse}. */
    public boolean editsResponses(int index) {
        return responseEditors[index];
    }

    /** What answers the request after the filters. */
    public Terminal terminal() {
        return terminal;
    }

    /** This route's request timers (resolved at compile time). */
    public RequestMetrics metrics() {
        return metrics;
    }

    /** True if the route forwards WebSocket handshakes ({@code websocket: true}). */
    public boolean websocket() {
        return websocket;
    }

    /** How long a WebSocket relay of this route may go without a byte either way. */
    public long websocketIdleTimeoutNanos() {
        return websocketIdleTimeoutNanos;
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
