package dev.gateway.core.exchange;

import dev.gateway.core.config.AccessLogConfig;
import dev.gateway.core.config.App;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.config.TlsConfig;
import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.ErrorResponder;
import dev.gateway.core.http.GrpcStatus;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.route.Route;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.terminal.Terminal;
import dev.gateway.core.terminal.TerminalExchange;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's life: validate and route it, run its route's filters ({@link FilterChain}), hand it to the route's
 * {@link Terminal}, relay the response to its {@link Downstream}, then record it (metrics, access log). Every
 * response the gateway makes itself is built by {@link ErrorResponder} and leaves through {@link #respondWith}.
 *
 * <p>The exchange does not own the client connection: it talks to it only through {@link Downstream}, so several
 * exchanges can run inside one client request (a batch). It reads the configuration once, when it starts, and keeps
 * that {@link Snapshot} for its whole life. Confined to the downstream's event loop.
 */
public final class Exchange implements TerminalExchange, FilterChain.Listener {
    private static final Logger logger = LoggerFactory.getLogger(Exchange.class);
    private static final byte[] EMPTY_BODY = new byte[0];
    /** Request body bytes queued (the upstream not yet ready) before the client is asked to pause. */
    private static final long PENDING_BODY_LIMIT = 64 * 1024;
    /** Status recorded for a request whose client went away before its response began (nginx's 499). */
    public static final int CLIENT_CLOSED = 499;

    private final Downstream downstream;
    private final Snapshot snapshot;
    private final ExchangeLog log;
    private final RequestMetrics unrouted;
    private final HttpRequest request;
    private final CharSequence requestId;
    private final long startNanos;
    private final HttpMethod method;
    private final String clientVersion;

    private RequestContext context;
    private Route route;
    private RequestTarget target;
    private String traceparent;
    private Terminal.Call call;
    /** The filters let the request through to the route's terminal. */
    private boolean terminalOpened;
    private Target sentTo;
    /** Upstream attempts: one per target the terminal sent the request to. */
    private int attempts;
    /** Request body pieces that arrived before the terminal took them (or while filters read the body). */
    private PendingBody pendingBody;
    private boolean hasBody;
    private boolean expectContinue;
    /** Collecting the body for filters that read it; the chain runs when it is complete. */
    private boolean bufferingBody;
    private boolean requestRead;
    private boolean responseStarted;
    private boolean finished;
    /** How many filters ran before the one that decided: their onResponse hooks see the response. */
    private int filtersRan;
    private int status;
    private long bytesIn;
    private long bytesOut;
    private long upstreamNanos = -1;
    /** The client's Upgrade value of a WebSocket handshake on a route that allows it, else null. */
    private String upgrade;
    /** True for an in-process item of a batch call (its downstream collects the response). */
    private final boolean item;
    /** An item's app: the batch's, already authenticated; null otherwise. */
    private final App itemApp;
    private ItemRunner items;

    /**
     * A request whose head just arrived. Its id is its valid X-Request-Id, else a new one (set on the request, so the
     * upstream receives it). Call {@link #begin()} or {@link #reject} next.
     */
    public Exchange(Downstream downstream, Snapshot snapshot, ExchangeLog log, RequestMetrics unrouted,
            HttpRequest request, long startNanos) {
        this(downstream, snapshot, log, unrouted, request, startNanos, request.protocolVersion().text());
    }

    /**
     * A request that arrived in another protocol than its {@code request} object says: an HTTP/2 stream, converted
     * to the HTTP/1.1 request the upstream receives. {@code clientVersion} ({@code HTTP/2.0}) is what filters see as
     * the client's version ({@link RequestContext#protocolVersion()}).
     */
    public Exchange(Downstream downstream, Snapshot snapshot, ExchangeLog log, RequestMetrics unrouted,
            HttpRequest request, long startNanos, String clientVersion) {
        this(downstream, snapshot, log, unrouted, request, startNanos, RequestIds.ensure(request.headers()), false,
                null, clientVersion);
    }

    /** An in-process item of a batch call (see {@link ItemRunner}): its id is given, its app the batch's. */
    Exchange(Downstream downstream, Snapshot snapshot, ExchangeLog log, RequestMetrics unrouted,
            HttpRequest request, long startNanos, String requestId, App app) {
        this(downstream, snapshot, log, unrouted, request, startNanos, withId(request, requestId), true, app,
                request.protocolVersion().text());
    }

    private Exchange(Downstream downstream, Snapshot snapshot, ExchangeLog log, RequestMetrics unrouted,
            HttpRequest request, long startNanos, CharSequence requestId, boolean item, App itemApp,
            String clientVersion) {
        this.downstream = downstream;
        this.snapshot = snapshot;
        this.log = log;
        this.unrouted = unrouted;
        this.request = request;
        this.startNanos = startNanos;
        this.method = request.method();
        this.clientVersion = clientVersion;
        this.requestId = requestId;
        this.item = item;
        this.itemApp = itemApp;
    }

    /** Sets an item's given id on its request (the upstream receives it), and returns it. */
    private static String withId(HttpRequest request, String requestId) {
        request.headers().set(dev.gateway.core.http.GatewayHeaders.X_REQUEST_ID, requestId);
        return requestId;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Start: validate, route, filters

    /** Answers a request that could not be read (malformed, too large) with {@code error}; the connection closes. */
    public void reject(GatewayError error) {
        logger.debug("request {}: invalid request from {}: {}", requestId, downstream.clientIp(), error.code());
        respondError(error, true);
    }

    /** The connection failed unexpectedly before the response started: 500, logged once; the connection closes. */
    public void failInternally(Throwable cause) {
        respondError(ErrorResponder.classify(cause, requestId, "client connection"), true);
    }

    /** Validates and routes the request, then runs its filters and terminal. */
    public void begin() {
        HttpHeaders h = request.headers();
        traceparent = Traceparent.ensure(h, snapshot.config().tracing());
        target = RequestTarget.parse(request.uri());
        String path = target.path();
        if (path == null) {
            // A malformed request target: like every malformed request line, the connection closes.
            respondError(GatewayErrors.INVALID_PATH, true);
            return;
        }
        String host = h.get(HttpHeaderNames.HOST);
        long contentLength = HttpUtil.getContentLength(request, -1L);
        String expect = h.get(HttpHeaderNames.EXPECT);
        GatewayError invalid = RequestChecks.check(request, host, contentLength, expect,
                snapshot.config().server().maxBodySize());
        if (invalid != null) {
            respondError(invalid, true);
            return;
        }
        boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        hasBody = chunked || contentLength > 0;
        ServerConfig server = snapshot.config().server();
        if (server.redirectToHttps() && server.tls() != null && !downstream.isSecure() && !item) {
            GatewayResponse redirect = HttpsRedirect.to(method, host, server.tls().listen().port(), target.raw());
            if (redirect != null) {
                respondWith(redirect, hasBody);
            } else {
                respondError(GatewayErrors.HTTPS_REQUIRED, hasBody);
            }
            return;
        }
        if (expect != null) {
            // 100-continue (the only one allowed) is answered by the gateway once the upstream is ready.
            expectContinue = hasBody && request.protocolVersion().minorVersion() != 0;
            h.remove(HttpHeaderNames.EXPECT);
        }
        route = snapshot.routes().match(host, method.name(), path);
        if (route == null) {
            respondError(GatewayErrors.NO_ROUTE, false);
            return;
        }
        if (item && route.terminal().isBatch()) {
            respondError(GatewayErrors.NESTED_BATCH, false);
            return;
        }
        String upstreamPath = route.rewrite(path);
        if (upstreamPath != target.rawPath() || target.raw() != request.uri()) {
            request.setUri(target.upstreamTarget(upstreamPath));
        }
        String upgrade = route.websocket() ? WebSocketHandshake.upgrade(request, hasBody) : null;
        TlsConfig tls = snapshot.config().server().tls();
        ForwardedHeaders.prepare(request, host, chunked, downstream, tls == null ? null : tls.forwardClientCert());
        if (upgrade != null) {
            this.upgrade = upgrade;
            WebSocketHandshake.forward(h, upgrade);
            downstream.upgradeRequested();
        }
        GatewayFilter[] filters = route.filters();
        if (filters.length == 0) {
            chainContinued();
            return;
        }
        RequestContext ctx = context();
        if (route.needsBody()) {
            if (!hasBody || requestRead) {
                ctx.body(EMPTY_BODY);
            } else {
                // A filter reads the body: collect it (up to max-body-size) before the chain runs.
                bufferingBody = true;
                sendContinueIfExpected();
                return;
            }
        }
        FilterChain.run(filters, 0, ctx, startNanos + route.filterTimeoutNanos(), this);
    }

    /** The buffered body is complete: hand a copy to the filters and run them. */
    private void bodyBuffered() {
        bufferingBody = false;
        context.body(pendingBody.copy());
        FilterChain.run(route.filters(), 0, context, System.nanoTime() + route.filterTimeoutNanos(), this);
    }

    @Override
    public void chainContinued() {
        filtersRan = route.filters().length;
        ForwardedHeaders.afterFilters(request.headers());
        terminalOpened = true;
        Terminal.Call c = route.terminal().open(this);
        if (finished) {
            c.cancel(); // answered while opening (no connection possible, say)
        } else {
            call = c;
        }
    }

    @Override
    public void chainAnswered(FilterResult answer, int filtersBefore) {
        filtersRan = filtersBefore;
        if (answer instanceof FilterResult.Respond r) {
            GatewayResponse given = r.response();
            respondWith(GrpcStatus.isGrpc(request.headers()) ? GrpcStatus.adapt(given, requestId) : given, false);
        } else if (answer instanceof FilterResult.Refuse r) {
            respondError(r.error(), false);
        }
    }

    @Override
    public void chainFailed(Throwable cause, GatewayFilter filter, int filtersBefore) {
        filtersRan = filtersBefore;
        String where = "filter " + filter.getClass().getSimpleName() + " of route " + route.id();
        respondError(ErrorResponder.classify(cause, requestId, where), false);
    }

    @Override
    public void chainTimedOut(int filtersBefore) {
        filtersRan = filtersBefore;
        logger.debug("request {}: the filters of route {} ran past {} ms", requestId, route.id(),
                route.filterTimeoutNanos() / 1_000_000);
        respondError(GatewayErrors.FILTER_TIMEOUT, false);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The request body

    /** A piece of the request body from the client; the exchange owns it from now on. */
    public void onRequestContent(HttpContent content) {
        DecoderResult r = content.decoderResult();
        if (r.isFailure()) {
            // Invalid chunked encoding or similar, after the head was accepted.
            content.release();
            logger.debug("request {}: invalid body from {}: {}", requestId, downstream.clientIp(),
                    r.cause().toString());
            failOrAbort(GatewayErrors.BAD_REQUEST);
            return;
        }
        int n = content.content().readableBytes();
        bytesIn += n;
        boolean last = content instanceof LastHttpContent;
        if (bytesIn > snapshot.config().server().maxBodySize()) {
            content.release();
            failOrAbort(GatewayErrors.PAYLOAD_TOO_LARGE);
            return;
        }
        if (last) {
            requestRead = true;
        }
        if (finished) {
            content.release();
            return;
        }
        Terminal.Call c = call;
        if (c != null && c.takesBody()) {
            c.requestContent(content, last);
            return;
        }
        if (pendingBody == null) {
            pendingBody = new PendingBody();
        }
        pendingBody.add(content);
        if (bufferingBody) {
            // Bounded by max-body-size (checked above); no back-pressure, the filters need all of it.
            if (last) {
                bodyBuffered();
            }
        } else if (pendingBody.bytes() > PENDING_BODY_LIMIT) {
            downstream.clientFlow().pauseRequestBody(true);
        }
    }

    /** The request body stopped arriving for longer than the idle timeout. */
    public void onBodyStalled() {
        logger.debug("request {}: request body stalled", requestId);
        failOrAbort(GatewayErrors.BODY_TIMEOUT);
    }

    private void failOrAbort(GatewayError e) {
        if (responseStarted) {
            abort();
        } else {
            respondError(e, true);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // TerminalExchange: what the terminal sees

    @Override
    public EventLoop loop() {
        return downstream.loop();
    }

    @Override
    public CharSequence requestId() {
        return requestId;
    }

    @Override
    public RequestContext context() {
        RequestContext c = context;
        if (c == null) {
            c = new RequestContext(requestId.toString(), method, target.raw(), target.path(), target.query(),
                    request.headers(),
                    route == null ? null : route.id(), route == null ? null : route.group(),
                    ForwardedHeaders.client(request.headers(), downstream.clientAddress(), downstream.isPeerTrusted(),
                            snapshot::isTrustedProxy),
                    downstream.loop(), startNanos, clientVersion);
            ClientCertificate cert = downstream.clientCertificate();
            if (cert != null) {
                c.set(StandardAttrs.CLIENT_CERT, cert);
            }
            if (item) {
                // Set here only, never from a header: hmac-auth takes the batch's verified app for the item.
                c.set(StandardAttrs.BATCH_ITEM, Boolean.TRUE);
                c.set(StandardAttrs.APP, itemApp);
            }
            context = c;
        }
        return c;
    }

    @Override
    public dev.gateway.core.terminal.InProcess inProcess() {
        if (item) {
            return null;
        }
        ItemRunner r = items;
        if (r == null) {
            r = new ItemRunner(this, downstream, snapshot, log, unrouted);
            items = r;
        }
        return r;
    }

    /**
     * An in-process item's time is up: it answers {@code error} (through the error responder) if its response has
     * not started, else it is cut short.
     */
    void expire(GatewayError error) {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort();
        } else {
            respondError(error, false);
        }
    }

    @Override
    public UpstreamGroup upstreamOverride() {
        return context == null ? null : context.get(StandardAttrs.UPSTREAM_OVERRIDE);
    }

    @Override
    public HttpRequest request() {
        return request;
    }

    @Override
    public boolean hasBody() {
        return hasBody;
    }

    @Override
    public boolean isRequestRead() {
        return requestRead;
    }

    @Override
    public HttpContent pollBody() {
        PendingBody q = pendingBody;
        return q == null ? null : q.poll();
    }

    @Override
    public ClientFlow clientFlow() {
        return downstream.clientFlow();
    }

    @Override
    public void sendContinueIfExpected() {
        if (expectContinue) {
            expectContinue = false;
            downstream.sendContinue();
        }
    }

    @Override
    public void sentTo(Target target) {
        this.sentTo = target;
        attempts++;
    }

    @Override
    public void responseHead(ResponseHead head, long upstreamNanos) {
        if (finished) {
            return;
        }
        responseStarted = true;
        status = head.status();
        this.upstreamNanos = upstreamNanos;
        HttpHeaders edited = null;
        List<Header> extra = null;
        if (ResponseEdits.needed(context, route, filtersRan)) {
            // The slow path: the headers as an object, for filters that change them.
            edited = head.forwardedHeaders();
            ResponseEdits.apply(context, route.filters(), filtersRan, edited);
        } else {
            extra = ResponseEdits.asLines(context, head);
        }
        downstream.forwardHead(head, edited, extra, requestId, !requestRead);
    }

    @Override
    public void responseContent(ByteBuf in, int index, int length) {
        if (finished) {
            return;
        }
        bytesOut += length;
        downstream.forwardContent(in, index, length);
    }

    @Override
    public void responseEnd(ByteBuf trailers) {
        if (finished) {
            if (trailers != null) {
                trailers.release();
            }
            return;
        }
        downstream.forwardEnd(trailers);
        finished = true;
        end(false);
    }

    @Override
    public void upstreamReadComplete() {
        downstream.upstreamReadComplete();
    }

    @Override
    public void respond(GatewayResponse response) {
        respondWith(response, false);
    }

    @Override
    public void fail(GatewayError error) {
        respondError(error, !requestRead);
    }

    @Override
    public boolean isUpgrade() {
        return upgrade != null;
    }

    @Override
    public void upgraded(ResponseHead head, long upstreamNanos, UpstreamStream connection) {
        if (finished) {
            connection.abort();
            return;
        }
        finished = true;
        responseStarted = true;
        status = head.status();
        this.upstreamNanos = upstreamNanos;
        downstream.upgrade(head, requestId, connection, new WebSocketSession(snapshot.config().accessLog(),
                requestId.toString(), downstream.clientIp().toString(), target.path(), route.id(),
                sentTo == null ? null : sentTo.url(), route.websocketIdleTimeoutNanos()));
        end(false);
    }

    /** Abandons the exchange after its response started: the client connection closes to show the truncation. */
    @Override
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        dropTerminal();
        end(true);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Gateway-made responses and the end

    /** An error the gateway answers with: JSON, or a gRPC status on a gRPC call ({@link GrpcStatus}). */
    private void respondError(GatewayError e, boolean close) {
        boolean grpc = GrpcStatus.isGrpc(request.headers());
        respondWith(grpc ? GrpcStatus.respond(e, requestId) : ErrorResponder.respond(e, requestId), close);
    }

    /**
     * Answers with a response the gateway made (an error, a filter's answer, a mock). {@code close}: the rest of the
     * request can't be read safely, so the connection closes after the response; it also closes when a body was
     * announced and not read, since it would be taken for the next request.
     */
    private void respondWith(GatewayResponse r, boolean close) {
        if (finished) {
            return;
        }
        finished = true;
        dropTerminal();
        status = r.status().code();
        HttpHeaders h = ResponseEdits.localHeaders(r, requestId);
        ResponseEdits.apply(context, route == null ? null : route.filters(), filtersRan, h);
        ByteBuf body = downstream.alloc().buffer(r.bodyLength());
        r.writeBody(body);
        bytesOut = r.bodyLength();
        responseStarted = true;
        downstream.respond(r.status(), h, body, close || (!requestRead && hasBody));
        end(false);
    }

    /** The client connection closed: give up on the exchange. */
    public void clientGone() {
        if (finished) {
            return;
        }
        finished = true;
        dropTerminal();
        if (!responseStarted) {
            status = CLIENT_CLOSED;
        }
        end(true);
    }

    /** Stops the terminal, cancels the request (hooks of queued work) and frees the queued body. */
    private void dropTerminal() {
        Terminal.Call c = call;
        call = null;
        if (c != null) {
            c.cancel();
        }
        if (context != null && !responseStarted) {
            context.cancel();
        }
        if (pendingBody != null) {
            pendingBody.releaseAll();
        }
    }

    /** Exactly once per exchange: the request timer, the access-log line, then the downstream moves on. */
    private void end(boolean abort) {
        long totalNanos = System.nanoTime() - startNanos;
        RequestContext ctx = context;
        if (ctx != null) {
            ctx.end();
        }
        String variant = ctx == null ? null : ctx.get(StandardAttrs.VARIANT);
        (route == null ? unrouted : route.metrics()).record(method, status, variant, totalNanos);
        AccessLogConfig settings = snapshot.config().accessLog();
        if (log.isEnabled(settings)) {
            App app = ctx == null ? null : ctx.get(StandardAttrs.APP);
            log.log(new ExchangeRecord(settings, requestId.toString(), Traceparent.traceId(traceparent),
                    downstream.clientIp().toString(), method.name(),
                    target == null || target.path() == null ? "-" : target.path(),
                    route == null ? null : route.id(), variant,
                    app == null ? null : app.key(),
                    sentTo != null ? sentTo.url() : terminalOpened ? route.terminal().logName() : null,
                    status, bytesIn, bytesOut, totalNanos, upstreamNanos,
                    ctx == null ? null : ctx.get(StandardAttrs.LIMIT), attempts));
        }
        downstream.exchangeEnded(this, abort);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the handler asks

    public boolean isResponseStarted() {
        return responseStarted;
    }
}
