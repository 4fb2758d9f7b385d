package dev.gateway.core.filter;

import dev.gateway.core.http.Header;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What is known about one request while it passes the gateway: the request line and headers, the matched route,
 * the client, headers to add to the response, and typed attributes ({@link AttrKey}) that filters leave for later ones
 * and for the gateway: the app, the variant, another upstream group ({@link StandardAttrs}).
 *
 * <p>Threading: used on {@link #eventLoop()} only. Filters that complete their stage on another thread are resumed
 * on the loop by the chain runner before the next filter sees the context.
 */
public final class RequestContext {
    private final String requestId;
    private final HttpMethod method;
    private final String rawUri;
    private final String path;
    private final String query;
    private final HttpHeaders headers;
    private final String routeId;
    private final String routeGroup;
    private final InetAddress clientAddress;
    private final EventLoop eventLoop;
    private final long startNanos;
    private final String protocolVersion;
    /**
     * The values of the keys most requests set ({@link AttrKey#INLINE}: the app, the variant, the upstream override),
     * in fields, so setting them allocates nothing; the other keys' values in an array made on first use.
     */
    private Object attr0;
    private Object attr1;
    private Object attr2;
    private Object[] attrs;
    private byte[] body;
    /** Response headers replacing the upstream's of the same name, and response headers added; null when none. */
    private List<Header> responseHeadersSet;
    private List<Header> responseHeadersAdded;
    private Object cancelHooks;
    private boolean cancelled;
    private Object endHooks;
    private boolean ended;

    /**
     * @param rawUri the request target exactly as received (signatures cover it)
     * @param path the normalised path the route was matched on
     * @param query the raw query without '?', or null
     * @param clientAddress the address the request is attributed to: the socket peer, or the rightmost untrusted
     *     X-Forwarded-For entry when the peer is a trusted proxy
     * @param protocolVersion the version the client used, as sent: {@code HTTP/1.1} or {@code HTTP/1.0}
     */
    public RequestContext(String requestId, HttpMethod method, String rawUri, String path, String query,
            HttpHeaders headers, String routeId, String routeGroup, InetAddress clientAddress, EventLoop eventLoop,
            long startNanos, String protocolVersion) {
        this.requestId = requestId;
        this.method = method;
        this.rawUri = rawUri;
        this.path = path;
        this.query = query;
        this.headers = headers;
        this.routeId = routeId;
        this.routeGroup = routeGroup;
        this.clientAddress = clientAddress;
        this.eventLoop = eventLoop;
        this.startNanos = startNanos;
        this.protocolVersion = protocolVersion;
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

    /** The id of the matched route. */
    public String routeId() {
        return routeId;
    }

    /** The matched route's group, or null. */
    public String routeGroup() {
        return routeGroup;
    }

    /**
     * The client's address, already parsed (IP rules compare bytes, never strings): the socket peer, or, when the peer
     * is a configured trusted proxy, the rightmost X-Forwarded-For entry that is not a trusted proxy.
     */
    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** The event loop this request runs on: schedule timers here, and never block it. */
    public EventLoop eventLoop() {
        return eventLoop;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The version the client used: {@code HTTP/1.1} or {@code HTTP/1.0} as sent, {@code HTTP/2.0} for HTTP/2. */
    public String protocolVersion() {
        return protocolVersion;
    }

    /**
     * The request body, for routes whose filters asked for it (null otherwise, and empty for a request without
     * one). Do not modify the array.
     */
    public byte[] body() {
        return body;
    }

    /** Set by the exchange once a buffered body is complete. */
    public void body(byte[] body) {
        this.body = body;
    }

    /**
     * Sets a header on the response this request gets, whatever answers it (the upstream, a filter or an error):
     * it replaces the upstream's header lines of that name, and an earlier value set here. Written as a line after
     * the upstream's own, without turning the response head into an object. Framing and connection headers
     * ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection}) and {@code X-Request-Id} belong to
     * the gateway: setting them throws.
     */
    public void setResponseHeader(String name, String value) {
        setResponseHeader(new Header(name, value));
    }

    /**
     * {@link #setResponseHeader(String, String)} with a header built once: a filter that answers the same field on
     * many requests (a limit's policy) keeps it, and setting it allocates nothing but the list.
     */
    public void setResponseHeader(Header h) {
        String name = checkedName(h.name());
        if (responseHeadersSet == null) {
            responseHeadersSet = new ArrayList<>(4);
        } else {
            for (int i = responseHeadersSet.size() - 1; i >= 0; i--) {
                if (responseHeadersSet.get(i).name().equalsIgnoreCase(name)) {
                    responseHeadersSet.remove(i);
                }
            }
        }
        responseHeadersSet.add(h);
    }

    /**
     * Adds a header line to the response this request gets, whatever answers it, keeping the upstream's lines of
     * the same name: for list-valued fields such as {@code Vary}, where two lines mean what one line with both
     * values means (RFC 9110 5.3). {@code header} may be a shared constant.
     */
    public void addResponseHeader(Header header) {
        checkedName(header.name());
        if (responseHeadersAdded == null) {
            responseHeadersAdded = new ArrayList<>(2);
        }
        responseHeadersAdded.add(header);
    }

    private static String checkedName(String name) {
        if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                || name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("x-request-id")) {
            throw new IllegalArgumentException("the gateway sets " + name + " itself");
        }
        return name;
    }

    /** The headers {@link #setResponseHeader} set, in order; null when there are none. */
    public List<Header> responseHeadersSet() {
        return responseHeadersSet;
    }

    /** The headers {@link #addResponseHeader} added, in order; null when there are none. */
    public List<Header> responseHeadersAdded() {
        return responseHeadersAdded;
    }

    /**
     * Runs {@code hook} on the event loop when the request is abandoned before it was answered: the client went
     * away, or the filters ran past their timeout. Queued work (a rate-limit queue, a lookup) uses it to let go.
     * Runs at once if the request is already abandoned.
     */
    public void onCancel(Runnable hook) {
        if (cancelled) {
            hook.run();
        } else if (cancelHooks == null) {
            cancelHooks = hook;
        } else if (cancelHooks instanceof Runnable first) {
            List<Runnable> hooks = new ArrayList<>(2);
            hooks.add(first);
            hooks.add(hook);
            cancelHooks = hooks;
        } else {
            @SuppressWarnings("unchecked")
            List<Runnable> hooks = (List<Runnable>) cancelHooks;
            hooks.add(hook);
        }
    }

    /** True once the request was abandoned ({@link #onCancel}). */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Abandons the request: runs the cancellation hooks once. Called by the exchange, on the loop. */
    public void cancel() {
        if (cancelled) {
            return;
        }
        cancelled = true;
        Object hooks = cancelHooks;
        cancelHooks = null;
        if (hooks instanceof Runnable r) {
            r.run();
        } else if (hooks != null) {
            @SuppressWarnings("unchecked")
            List<Runnable> list = (List<Runnable>) hooks;
            for (Runnable r : list) {
                r.run();
            }
        }
    }

    /**
     * Runs {@code hook} on the event loop when the request's exchange ends, whatever ended it: the response was
     * sent, the client went away, the exchange was aborted (a concurrency limit releases its slot here). Runs once,
     * at once if the exchange has already ended.
     */
    public void onEnd(Runnable hook) {
        if (ended) {
            hook.run();
        } else {
            endHooks = addHook(endHooks, hook);
        }
    }

    /** The exchange ended: runs the end hooks once. Called by the exchange, on the loop. */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        Object hooks = endHooks;
        endHooks = null;
        runHooks(hooks);
    }

    @SuppressWarnings("unchecked")
    private static Object addHook(Object hooks, Runnable hook) {
        if (hooks == null) {
            return hook;
        }
        if (hooks instanceof Runnable first) {
            List<Runnable> list = new ArrayList<>(2);
            list.add(first);
            list.add(hook);
            return list;
        }
        ((List<Runnable>) hooks).add(hook);
        return hooks;
    }

    @SuppressWarnings("unchecked")
    private static void runHooks(Object hooks) {
        if (hooks instanceof Runnable r) {
            r.run();
        } else if (hooks != null) {
            for (Runnable r : (List<Runnable>) hooks) {
                r.run();
            }
        }
    }

    /** The value of {@code key} for this request, or null when none was set. */
    @SuppressWarnings("unchecked")
    public <T> T get(AttrKey<T> key) {
        int i = key.index;
        return (T) switch (i) {
            case 0 -> attr0;
            case 1 -> attr1;
            case 2 -> attr2;
            default -> {
                Object[] a = attrs;
                i -= AttrKey.INLINE;
                yield a == null || i >= a.length ? null : a[i];
            }
        };
    }

    /** Sets (or, with null, clears) the value of {@code key} for this request. */
    public <T> void set(AttrKey<T> key, T value) {
        int i = key.index;
        switch (i) {
            case 0 -> attr0 = value;
            case 1 -> attr1 = value;
            case 2 -> attr2 = value;
            default -> {
                i -= AttrKey.INLINE;
                if (attrs == null) {
                    attrs = new Object[Math.max(4, i + 1)];
                } else if (i >= attrs.length) {
                    attrs = Arrays.copyOf(attrs, Math.max(attrs.length * 2, i + 1));
                }
                attrs[i] = value;
            }
        }
    }
}
