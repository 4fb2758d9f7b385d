package dev.gateway.core.filter;

import dev.gateway.core.route.Route;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Arrays;

/**
 * What is known about one request while it passes the gateway: the request line and headers, the matched route,
 * the client, and typed attributes that filters leave for later filters, the access log and metrics. Used on the
 * request's event loop only.
 */
public final class RequestContext {
    private final String requestId;
    private final HttpMethod method;
    private final String rawUri;
    private final String path;
    private final String query;
    private final HttpHeaders headers;
    private final Route route;
    private final String clientAddress;
    private final long startNanos;
    private final String protocolVersion;
    private Object[] attrs;
    private byte[] body;

    public RequestContext(String requestId, HttpMethod method, String rawUri, String path, String query,
            HttpHeaders headers, Route route, String clientAddress, long startNanos, String protocolVersion) {
        this.protocolVersion = protocolVersion;
        this.requestId = requestId;
        this.method = method;
        this.rawUri = rawUri;
        this.path = path;
        this.query = query;
        this.headers = headers;
        this.route = route;
        this.clientAddress = clientAddress;
        this.startNanos = startNanos;
    }

    public String requestId() {
        return requestId;
    }

    public HttpMethod method() {
        return method;
    }

    /** The request target exactly as received (path and query, still encoded). */
    public String rawUri() {
        return rawUri;
    }

    /** The normalised path the route was matched on. */
    public String path() {
        return path;
    }

    /** The raw query without '?', or null. */
    public String query() {
        return query;
    }

    /** The request headers; filters may change them before the request is forwarded. */
    public HttpHeaders headers() {
        return headers;
    }

    public Route route() {
        return route;
    }

    /** The peer address of the client connection (IP text). */
    public String clientAddress() {
        return clientAddress;
    }

    /**
     * The request body, for routes whose filters asked for it (null otherwise, and empty for a request without
     * one). Do not modify the array.
     */
    public byte[] body() {
        return body;
    }

    /** Set by the server once a buffered body is complete. */
    public void body(byte[] body) {
        this.body = body;
    }

    /** The version the client used, as sent: {@code HTTP/1.1} or {@code HTTP/1.0}. */
    public String protocolVersion() {
        return protocolVersion;
    }

    public long startNanos() {
        return startNanos;
    }

    @SuppressWarnings("unchecked")
    public <T> T get(AttrKey<T> key) {
        Object[] a = attrs;
        return a == null || key.index >= a.length ? null : (T) a[key.index];
    }

    public <T> void set(AttrKey<T> key, T value) {
        if (attrs == null) {
            attrs = new Object[Math.max(8, key.index + 1)];
        } else if (key.index >= attrs.length) {
            attrs = Arrays.copyOf(attrs, Math.max(attrs.length * 2, key.index + 1));
        }
        attrs[key.index] = value;
    }
}
