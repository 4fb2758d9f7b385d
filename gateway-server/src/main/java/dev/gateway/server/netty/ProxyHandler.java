package dev.gateway.server.netty;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.GatewayResponse;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.HopByHop;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.route.PathNormalizer;
import dev.gateway.core.route.Route;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamConnection;
import dev.gateway.core.upstream.UpstreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection handler of the proxy listener: where every request enters and where its response leaves.
 *
 * <p>For each request: validate and normalise, match a route, run the route's filters, then forward it over a
 * pooled upstream connection owned by this channel's event loop and stream the response back. Bodies stream both
 * ways; back-pressure is applied by turning auto-read off on the side that is producing faster than the other side
 * can take. Pipelined requests are queued and answered in order. Writes to either side are flushed once per read
 * batch of the other side, not once per message.
 *
 * <p>All state is confined to the channel's event loop.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger logger = LoggerFactory.getLogger(ProxyHandler.class);
    /** Hard cap on queued pipelined messages decoded from what was already read (auto-read stops far earlier). */
    private static final int MAX_QUEUED_OBJECTS = 1024;
    private static final byte[] EMPTY_BODY = new byte[0];
    /** Bodies up to this size are copied behind the response head instead of being written as a slice. */
    private static final int SMALL_BODY = 4096;
    private static final HttpResponseStatus CLIENT_CLOSED = new HttpResponseStatus(499, "Client Closed Request");

    private final ProxyState state;
    private final ServerConfig limits;
    private final long idleTimeoutNanos;
    private final long headerTimeoutNanos;

    private ChannelHandlerContext ctx;
    private Channel channel;
    private EventLoop loop;
    private String clientIp;
    private AsciiString clientIpAscii;
    private boolean peerTrusted;
    private AsciiString localPort;

    /** The exchange whose response is being produced; null between requests. */
    private Exchange current;
    /** Objects of pipelined requests that arrived while {@link #current} is still running. */
    private final ArrayDeque<HttpObject> queued = new ArrayDeque<>();
    private int queuedRequests;
    /** True while a local response was sent before the request body was read: the rest is discarded. */
    private boolean discardingBody;
    private boolean closing;
    private boolean inReadBatch;
    private boolean upstreamFlushPending;
    private boolean clientFlushPending;
    private boolean backPressured;
    private boolean queueFull;

    /** Nanos when the connection last became idle (no request in progress); see {@link #onTimer()}. */
    private long idleSinceNanos;
    /** Nanos when the first byte of the next request arrived, or 0 if none did. */
    private long headerStartNanos;
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    private final Runnable timerTask = this::onTimer;
    /** The longest the connection timer sleeps: min(idle, header-read, smallest route timeout), at least 1 s. */
    private final long timerPeriodNanos;
    /** True when the current read batch decoded a message (else it only carried part of a request head). */
    private boolean readMessage;
    /** When the last read batch ended (a request body that stops arriving times out like an idle connection). */
    private long lastReadNanos = System.nanoTime();

    ProxyHandler(ProxyState state) {
        this.state = state;
        this.limits = state.server();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.headerTimeoutNanos = limits.headerReadTimeout().toNanos();
        long period = Math.min(idleTimeoutNanos, headerTimeoutNanos);
        period = Math.min(period, TimeUnit.MILLISECONDS.toNanos(state.minRouteTimeoutMillis()));
        this.timerPeriodNanos = Math.max(period, TimeUnit.SECONDS.toNanos(1));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Connection lifecycle and timers

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (state.connectionCount().incrementAndGet() > limits.maxConnections()) {
            logger.debug("connection limit {} reached, refusing {}", limits.maxConnections(), channel.remoteAddress());
            FullHttpResponse r = GatewayErrors.response(ctx.alloc(), GatewayErrors.TOO_MANY_CONNECTIONS, null);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            closing = true;
            writeLocalAndClose(r);
            return;
        }
        state.connections().add(channel);
        if (channel.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            clientIp = remote.getAddress().getHostAddress();
            clientIpAscii = AsciiString.of(clientIp);
            peerTrusted = state.isTrustedProxy(remote.getAddress().getAddress());
        } else {
            clientIp = "unknown";
            clientIpAscii = AsciiString.of(clientIp);
        }
        localPort = AsciiString.of(channel.localAddress() instanceof InetSocketAddress local
                ? Integer.toString(local.getPort()) : "");
        idleSinceNanos = System.nanoTime();
        scheduleTimer(timerPeriodNanos);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.connectionCount().decrementAndGet();
        if (timer != null) {
            timer.cancel(false);
        }
        Exchange ex = current;
        current = null;
        if (ex != null) {
            ex.clientGone();
        }
        releaseQueued();
        ctx.fireChannelInactive();
    }

    private void scheduleTimer(long delayNanos) {
        delayNanos = Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
        timerAtNanos = System.nanoTime() + delayNanos;
        timer = loop.schedule(timerTask, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Makes sure the connection timer fires no later than {@code deadline}. */
    private void ensureTimerBy(long deadline) {
        if (timer == null || timerAtNanos - deadline > 0) {
            if (timer != null) {
                timer.cancel(false);
            }
            scheduleTimer(deadline - System.nanoTime());
        }
    }

    /**
     * One lazily re-armed timer per connection (the technique of Netty's IdleStateHandler) instead of a timer per
     * request: it closes an idle keep-alive connection silently, answers 408 when request headers take too long,
     * and 504 when an upstream response is late. It never sleeps longer than {@link #timerPeriodNanos}, which is
     * at most the smallest route timeout, so arming a response deadline almost never reschedules it.
     */
    private void onTimer() {
        timer = null;
        if (!channel.isActive() || closing) {
            return;
        }
        long now = System.nanoTime();
        Exchange ex = current;
        if (ex != null) {
            long d = ex.responseDeadlineNanos;
            if (d != 0 && now - d >= 0) {
                ex.onResponseTimeout();
            } else if (!ex.requestRead && now - lastReadNanos >= idleTimeoutNanos) {
                // The client stopped sending its body: same limit as an idle connection.
                ex.onBodyStalled();
            }
        } else if (headerStartNanos != 0) {
            if (now - headerStartNanos >= headerTimeoutNanos) {
                respondAndClose(GatewayErrors.REQUEST_TIMEOUT, null);
                return;
            }
        } else if (now - idleSinceNanos >= idleTimeoutNanos) {
            closing = true;
            channel.close();
            return;
        }
        if (closing || !channel.isActive() || timer != null) {
            return;
        }
        long next = now + timerPeriodNanos;
        ex = current;
        if (ex != null) {
            if (ex.responseDeadlineNanos != 0 && ex.responseDeadlineNanos - next < 0) {
                next = ex.responseDeadlineNanos;
            }
        } else if (headerStartNanos != 0) {
            next = Math.min(next - now, headerStartNanos + headerTimeoutNanos - now) + now;
        } else {
            next = Math.min(next - now, idleSinceNanos + idleTimeoutNanos - now) + now;
        }
        scheduleTimer(next - now);
    }

    /** Drain: close now if idle, else let the current response finish and close after it. */
    void drain() {
        if (current == null && headerStartNanos == 0 && queued.isEmpty()) {
            closing = true;
            channel.close();
        }
        // Otherwise: isDraining() makes the response carry Connection: close, and the channel closes after it.
    }

    // ---------------------------------------------------------------------------------------------------------
    // Inbound from the client

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inReadBatch = true;
        readMessage = true;
        if (!(msg instanceof HttpObject obj) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && current.requestRead || !queued.isEmpty()) {
            enqueue(obj);
            return;
        }
        dispatch(obj);
    }

    private void enqueue(HttpObject obj) {
        if (queued.size() >= MAX_QUEUED_OBJECTS) {
            // A client pipelining thousands of requests in one packet: refuse to hold them.
            ReferenceCountUtil.release(obj);
            logger.debug("pipelining limit exceeded by {}", clientIp);
            closing = true;
            releaseQueued();
            channel.close();
            return;
        }
        queued.addLast(obj);
        if (obj instanceof HttpRequest) {
            queuedRequests++;
            if (queuedRequests >= limits.maxPipelinedRequests() && !queueFull) {
                queueFull = true;
                updateAutoRead();
            }
        }
    }

    private void dispatch(HttpObject obj) {
        if (obj instanceof HttpRequest req) {
            startRequest(req);
        } else if (obj instanceof HttpContent content) {
            Exchange ex = current;
            if (ex != null && !ex.requestRead) {
                ex.onRequestContent(content);
            } else {
                // The body of a request that was already answered locally: drop it.
                boolean last = content instanceof LastHttpContent;
                DecoderResult r = content.decoderResult();
                content.release();
                if (r.isFailure()) {
                    closing = true;
                    channel.close();
                } else if (last && discardingBody) {
                    discardingBody = false;
                }
            }
        } else {
            ReferenceCountUtil.release(obj);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadBatch = false;
        lastReadNanos = System.nanoTime();
        if (!readMessage && current == null && headerStartNanos == 0 && !closing) {
            // Bytes arrived but no complete head yet: the header-read timeout starts now.
            headerStartNanos = System.nanoTime();
            ensureTimerBy(headerStartNanos + headerTimeoutNanos);
        }
        readMessage = false;
        Exchange ex = current;
        if (upstreamFlushPending && ex != null && ex.connection != null) {
            upstreamFlushPending = false;
            ex.connection.flush();
        }
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = current;
        if (ex != null && ex.connection != null && channel.isWritable()) {
            ex.connection.setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("client connection {} failed: {}", channel.remoteAddress(), cause.toString());
        Exchange ex = current;
        if (ex != null && !ex.responseStarted) {
            ex.failLocally(GatewayErrors.INTERNAL, true);
        } else {
            closing = true;
            ctx.close();
        }
    }

    private void updateAutoRead() {
        boolean want = !backPressured && !queueFull;
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    private void releaseQueued() {
        HttpObject o;
        while ((o = queued.pollFirst()) != null) {
            ReferenceCountUtil.release(o);
        }
        queuedRequests = 0;
    }

    /** After an exchange ends on a keep-alive connection: serve queued pipelined requests, in order. */
    private void drainQueue() {
        while (current == null && !closing && !queued.isEmpty() && !discardingBody) {
            HttpObject o = queued.pollFirst();
            if (o instanceof HttpRequest) {
                queuedRequests--;
            }
            dispatch(o);
            while (current != null && !current.requestRead && !queued.isEmpty()
                    && !(queued.peekFirst() instanceof HttpRequest)) {
                dispatch(queued.pollFirst());
            }
        }
        while (discardingBody && !queued.isEmpty() && !(queued.peekFirst() instanceof HttpRequest)) {
            dispatch(queued.pollFirst());
        }
        if (queueFull && queuedRequests < limits.maxPipelinedRequests()) {
            queueFull = false;
            updateAutoRead();
        }
        if (current == null && !queued.isEmpty() && !closing && !discardingBody) {
            drainQueue();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // A new request

    private void startRequest(HttpRequest req) {
        long start = System.nanoTime();
        headerStartNanos = 0;
        discardingBody = false;
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            ReferenceCountUtil.release(req);
            Throwable cause = result.cause();
            GatewayErrors.Error e = cause instanceof TooLongHttpLineException ? GatewayErrors.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? GatewayErrors.HEADERS_TOO_LARGE
                    : GatewayErrors.BAD_REQUEST;
            logger.debug("invalid request from {}: {}", clientIp, cause == null ? "?" : cause.getMessage());
            respondAndClose(e, null);
            return;
        }
        HttpHeaders headers = req.headers();
        if (!HeaderNames.allValid(headers)) {
            logger.debug("invalid header name from {}", clientIp);
            respondAndClose(GatewayErrors.BAD_REQUEST, null);
            return;
        }
        CharSequence requestId = headers.get(GatewayHeaders.X_REQUEST_ID);
        if (requestId == null || !RequestIds.isValid((String) requestId)) {
            requestId = RequestIds.generate();
            headers.set(GatewayHeaders.X_REQUEST_ID, requestId);
        }
        Exchange ex = new Exchange(req, requestId, start);
        current = ex;
        state.activeRequests().incrementAndGet();
        ex.begin();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Local responses

    /** Sends a gateway-made error and closes the connection after it (no exchange, or exchange already ended). */
    private void respondAndClose(GatewayErrors.Error e, String requestId) {
        closing = true;
        FullHttpResponse r = GatewayErrors.response(ctx.alloc(), e, requestId);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        writeLocalAndClose(r);
        releaseQueued();
    }

    /** Writes a response the gateway made itself (the client pipeline has no HTTP encoder). */
    private void writeLocal(FullHttpResponse r) {
        ctx.write(Http1Writer.head(ctx.alloc(), r.status(), r.headers()), ctx.voidPromise());
        ctx.write(r.content(), ctx.voidPromise());
    }

    private void writeLocalAndClose(FullHttpResponse r) {
        ctx.write(Http1Writer.head(ctx.alloc(), r.status(), r.headers()), ctx.voidPromise());
        ctx.writeAndFlush(r.content()).addListener(ChannelFutureListener.CLOSE);
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }

    private void flushClientSoon() {
        if (inReadBatch) {
            clientFlushPending = true;
        } else {
            ctx.flush();
        }
    }

    /**
     * One request and its response. Implements the upstream listener, so its connection reports straight to it.
     */
    private final class Exchange implements UpstreamListener {
        private final HttpRequest request;
        /** A String when the client sent a valid one, else a generated AsciiString. */
        private final CharSequence requestId;
        private final long startNanos;
        private final boolean clientKeepAlive;
        private final boolean http10;
        private final String clientVersion;
        private final HttpMethod method;
        private RequestContext context;
        private Route route;
        private String logPath;

        private UpstreamConnection connection;
        private ConnectionPool pool;
        private Target target;
        private boolean waitingForConnection;
        private boolean reusedConnection;
        private int attempts;
        /** Request body pieces that arrived before the upstream connection was ready. */
        private ArrayDeque<HttpContent> pendingBody;
        private long pendingBytes;
        private boolean hasBody;
        private boolean expectContinue;
        /** Collecting the body for filters that read it; the chain runs when it is complete. */
        private boolean bufferingBody;

        boolean requestRead;
        private boolean requestSent;
        boolean responseStarted;
        private boolean responseDone;
        private boolean upstreamReusable;
        private boolean closeAfterResponse;
        /** The response goes to the client in chunked coding (the upstream sent no Content-Length). */
        private boolean chunkToClient;
        /** The response head, held back until the body's first piece (a small one is copied into it). */
        private ByteBuf pendingHead;
        private boolean finished;
        private int status;
        private long bytesIn;
        private long bytesOut;
        private long upstreamStartNanos = -1;
        private long upstreamNanos = -1;
        /** When the upstream's response head is due (nanoTime), or 0. Checked by the connection timer. */
        long responseDeadlineNanos;
        /** Timer while queued behind the pool's connection limit (rare). */
        private ScheduledFuture<?> waitTimer;
        private int filterIndex;
        /** The W3C traceparent sent upstream, or null. */
        private String traceparent;

        Exchange(HttpRequest request, CharSequence requestId, long startNanos) {
            this.request = request;
            this.requestId = requestId;
            this.startNanos = startNanos;
            this.method = request.method();
            this.http10 = request.protocolVersion().minorVersion() == 0;
            this.clientVersion = request.protocolVersion().text();
            this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        }

        void begin() {
            HttpHeaders h = request.headers();
            traceparent = Traceparent.ensure(h, state.tracing());
            String uri = request.uri();
            logPath = "-";
            // Absolute-form (a client talking to us as a forward proxy): keep only the path.
            if (!uri.isEmpty() && uri.charAt(0) != '/') {
                int scheme = uri.indexOf("://");
                if (scheme > 0 && scheme < 6) {
                    int slash = uri.indexOf('/', scheme + 3);
                    uri = slash < 0 ? "/" : uri.substring(slash);
                }
            }
            String rawTarget = uri; // path and query exactly as received (signatures cover it)
            int q = uri.indexOf('?');
            String rawPath = q < 0 ? uri : uri.substring(0, q);
            String query = q < 0 ? null : uri.substring(q + 1);
            String path = PathNormalizer.normalize(rawPath);
            if (path == null) {
                failLocally(GatewayErrors.INVALID_PATH, false);
                return;
            }
            logPath = path;
            // RFC 9112 3.2: exactly one Host header on HTTP/1.1.
            String host = h.get(HttpHeaderNames.HOST);
            if (!http10 && (host == null || HopByHop.hasSeveral(h, HttpHeaderNames.HOST))) {
                failLocally(GatewayErrors.BAD_REQUEST, true);
                return;
            }
            long contentLength = HttpUtil.getContentLength(request, -1L);
            boolean chunked = HttpUtil.isTransferEncodingChunked(request);
            hasBody = chunked || contentLength > 0;
            if (contentLength > limits.maxBodySize()) {
                failLocally(GatewayErrors.PAYLOAD_TOO_LARGE, true);
                return;
            }
            String expect = h.get(HttpHeaderNames.EXPECT);
            if (expect != null) {
                if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
                    failLocally(GatewayErrors.EXPECTATION_FAILED, true);
                    return;
                }
                expectContinue = hasBody && !http10;
                h.remove(HttpHeaderNames.EXPECT);
            }
            route = state.compiled().routes().match(host, method.name(), path);
            if (route == null) {
                failLocally(GatewayErrors.NO_ROUTE, false);
                return;
            }
            String upstreamPath = route.rewrite(path);
            if (upstreamPath != rawPath || uri != request.uri()) {
                request.setUri(query == null ? upstreamPath : upstreamPath + "?" + query);
            }
            prepareUpstreamHeaders(h, host, contentLength, chunked);
            GatewayFilter[] filters = route.filters();
            if (filters.length == 0) {
                forward();
                return;
            }
            context = new RequestContext(requestId.toString(), method, rawTarget, path, query, h, route, clientIp,
                    startNanos, clientVersion);
            if (route.needsBody()) {
                if (!hasBody || requestRead) {
                    context.body(EMPTY_BODY);
                } else {
                    // A filter reads the body: collect it (up to max-body-size) before the chain runs.
                    bufferingBody = true;
                    if (expectContinue) {
                        expectContinue = false;
                        ctx.write(Http1Writer.continueResponse(), ctx.voidPromise());
                        flushClientSoon();
                    }
                    return;
                }
            }
            runFilters(0);
        }

        /** The buffered body is complete: hand a copy to the filters and run them. */
        private void bodyBuffered() {
            bufferingBody = false;
            byte[] body = new byte[(int) pendingBytes];
            int at = 0;
            for (HttpContent piece : pendingBody) {
                ByteBuf b = piece.content();
                int n = b.readableBytes();
                b.getBytes(b.readerIndex(), body, at, n);
                at += n;
            }
            context.body(body);
            runFilters(0);
        }

        /** Runs filters from {@code i}; the common path (every filter proceeds synchronously) allocates nothing. */
        private void runFilters(int i) {
            GatewayFilter[] filters = route.filters();
            for (; i < filters.length; i++) {
                CompletionStage<FilterResult> stage = filters[i].apply(context);
                if (stage == FilterResult.PROCEED) {
                    continue;
                }
                filterIndex = i + 1;
                int next = i + 1;
                stage.whenComplete((r, t) -> {
                    if (loop.inEventLoop()) {
                        afterFilter(next, r, t);
                    } else {
                        loop.execute(() -> afterFilter(next, r, t));
                    }
                });
                return;
            }
            filterIndex = filters.length;
            forward();
        }

        private void afterFilter(int next, FilterResult r, Throwable t) {
            if (finished) {
                return;
            }
            if (t != null) {
                logger.warn("request {}: filter failed", requestId, t);
                failLocally(GatewayErrors.INTERNAL, hasBody);
            } else if (r instanceof FilterResult.Respond respond) {
                respondFromFilter(respond.response(), next - 1);
            } else {
                runFilters(next);
            }
        }

        /** Answers with a filter's response; the filters before it see its headers (CORS on a 401, say). */
        private void respondFromFilter(GatewayResponse gr, int responder) {
            ByteBuf body = Unpooled.copiedBuffer(gr.body(), StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, gr.status(), body);
            for (Map.Entry<String, String> e : gr.headers().entrySet()) {
                r.headers().set(e.getKey(), e.getValue());
            }
            int code = gr.status().code();
            if (code != 204 && code != 304) {
                r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            }
            GatewayFilter[] filters = route.filters();
            for (int i = responder - 1; i >= 0; i--) {
                filters[i].onResponse(context, r.headers());
            }
            respondLocally(r, hasBody);
        }

        private void prepareUpstreamHeaders(HttpHeaders h, String host, long contentLength, boolean chunked) {
            HopByHop.strip(h);
            // Identity headers come only from the gateway (hmac-auth sets them after verifying), on every route.
            h.remove(GatewayHeaders.X_APP_KEY);
            h.remove(GatewayHeaders.X_CONSUMER_GROUP);
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (chunked) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            // X-Forwarded-*: a trusted proxy's values are extended, anyone else's are replaced.
            String xff = peerTrusted ? h.get(GatewayHeaders.X_FORWARDED_FOR) : null;
            h.set(GatewayHeaders.X_FORWARDED_FOR, xff == null ? clientIpAscii : xff + ", " + clientIp);
            if (!peerTrusted || !h.contains(GatewayHeaders.X_FORWARDED_PROTO)) {
                h.set(GatewayHeaders.X_FORWARDED_PROTO, GatewayHeaders.HTTP);
            }
            if (!peerTrusted || !h.contains(GatewayHeaders.X_FORWARDED_HOST)) {
                if (host != null) {
                    h.set(GatewayHeaders.X_FORWARDED_HOST, host);
                } else {
                    h.remove(GatewayHeaders.X_FORWARDED_HOST);
                }
            }
            if (!peerTrusted || !h.contains(GatewayHeaders.X_FORWARDED_PORT)) {
                h.set(GatewayHeaders.X_FORWARDED_PORT, localPort);
            }
        }

        // ----- upstream side

        private void forward() {
            upstreamStartNanos = System.nanoTime();
            target = route.upstream().pick();
            if (!route.upstream().preserveClientHost()) {
                request.headers().set(HttpHeaderNames.HOST, target.hostHeader());
            }
            pool = state.client().pool(loop, target, route.upstream().pool());
            acquire();
        }

        private void acquire() {
            attempts++;
            waitingForConnection = true;
            pool.acquire(this);
            if (waitingForConnection && connection == null && !finished) {
                // Queued behind the pool's connection limit: give up after the connect timeout.
                waitTimer = loop.schedule(() -> {
                    if (waitingForConnection && pool.cancel(this)) {
                        waitingForConnection = false;
                        failLocally(GatewayErrors.UPSTREAM_TIMEOUT, !requestRead);
                    }
                }, route.upstream().pool().connectTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void onConnected(UpstreamConnection c, boolean reused) {
            waitingForConnection = false;
            cancelResponseTimer();
            if (finished) {
                c.release(true);
                return;
            }
            connection = c;
            reusedConnection = reused;
            c.write(request);
            if (attempts > 1) {
                // A retry (bodyless requests only): the first attempt's end-of-request marker went to the dead
                // connection.
                c.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            if (expectContinue) {
                expectContinue = false;
                ctx.write(Http1Writer.continueResponse(), ctx.voidPromise());
                flushClientSoon();
            }
            if (pendingBody != null) {
                HttpContent piece;
                while ((piece = pendingBody.pollFirst()) != null) {
                    c.write(piece);
                }
                pendingBytes = 0;
                if (backPressured) {
                    backPressured = !c.isWritable();
                    updateAutoRead();
                }
            }
            if (requestRead) {
                requestSent = true;
                armResponseTimer();
            }
            flushUpstreamSoon();
        }

        private void flushUpstreamSoon() {
            if (inReadBatch) {
                upstreamFlushPending = true;
            } else if (connection != null) {
                connection.flush();
            }
        }

        @Override
        public void onConnectFailed(ConnectFailure failure, Throwable cause) {
            waitingForConnection = false;
            cancelResponseTimer();
            if (finished) {
                return;
            }
            logger.debug("request {}: cannot connect to {}: {}", requestId, target, failure);
            GatewayErrors.Error e = switch (failure) {
                case TIMEOUT -> GatewayErrors.UPSTREAM_TIMEOUT;
                case OVERLOADED -> GatewayErrors.UPSTREAM_OVERLOADED;
                default -> GatewayErrors.UPSTREAM_UNAVAILABLE;
            };
            target.metrics().record(failure == ConnectFailure.TIMEOUT ? UpstreamMetrics.Outcome.TIMEOUT
                    : failure == ConnectFailure.OVERLOADED ? UpstreamMetrics.Outcome.OVERLOADED
                    : UpstreamMetrics.Outcome.REFUSED, System.nanoTime() - upstreamStartNanos);
            failLocally(e, !requestRead);
        }

        void onRequestContent(HttpContent content) {
            DecoderResult r = content.decoderResult();
            if (r.isFailure()) {
                // Invalid chunked encoding or similar, after the head was accepted.
                content.release();
                logger.debug("request {}: invalid body from {}: {}", requestId, clientIp, r.cause().toString());
                if (responseStarted) {
                    abortAll();
                } else {
                    failLocally(GatewayErrors.BAD_REQUEST, true);
                }
                return;
            }
            int n = content.content().readableBytes();
            bytesIn += n;
            boolean last = content instanceof LastHttpContent;
            if (bytesIn > limits.maxBodySize()) {
                content.release();
                if (responseStarted) {
                    abortAll();
                } else {
                    failLocally(GatewayErrors.PAYLOAD_TOO_LARGE, true);
                }
                return;
            }
            if (last) {
                requestRead = true;
            }
            if (finished) {
                content.release();
                return;
            }
            if (connection == null) {
                if (pendingBody == null) {
                    pendingBody = new ArrayDeque<>(4);
                }
                pendingBody.addLast(content);
                pendingBytes += n;
                if (bufferingBody) {
                    // Bounded by max-body-size (checked above); no back-pressure, the filters need all of it.
                    if (last) {
                        bodyBuffered();
                    }
                    return;
                }
                if (pendingBytes > 64 * 1024 && !backPressured) {
                    backPressured = true;
                    updateAutoRead();
                }
                return;
            }
            connection.write(content);
            upstreamFlushPending = true;
            if (!inReadBatch) {
                upstreamFlushPending = false;
                connection.flush();
            }
            if (!connection.isWritable() && !backPressured) {
                backPressured = true;
                updateAutoRead();
            }
            if (last) {
                requestSent = true;
                if (!responseStarted) {
                    armResponseTimer();
                }
                maybeFinish();
            }
        }

        @Override
        public void onUpstreamWritabilityChanged(boolean writable) {
            if (writable && backPressured) {
                backPressured = false;
                updateAutoRead();
            }
        }

        private void armResponseTimer() {
            responseDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(route.timeoutMillis());
            ensureTimerBy(responseDeadlineNanos);
        }

        private void cancelResponseTimer() {
            responseDeadlineNanos = 0;
            ScheduledFuture<?> t = waitTimer;
            if (t != null) {
                waitTimer = null;
                t.cancel(false);
            }
        }

        void onBodyStalled() {
            logger.debug("request {}: request body stalled for {} ms", requestId, idleTimeoutNanos / 1_000_000);
            if (responseStarted) {
                abortAll();
            } else {
                failLocally(GatewayErrors.BODY_TIMEOUT, true);
            }
        }

        void onResponseTimeout() {
            responseDeadlineNanos = 0;
            if (finished || responseStarted) {
                return;
            }
            logger.debug("request {}: {} did not respond within {} ms", requestId, target, route.timeoutMillis());
            target.metrics().record(UpstreamMetrics.Outcome.TIMEOUT, System.nanoTime() - upstreamStartNanos);
            UpstreamConnection c = connection;
            connection = null;
            if (c != null) {
                c.abort();
            }
            failLocally(GatewayErrors.UPSTREAM_TIMEOUT, !requestRead);
        }

        @Override
        public void onResponseHead(ResponseHead head) {
            if (finished) {
                return;
            }
            int code = head.status();
            if (code < 200 && code != 101) {
                // 1xx interim responses (100, 103) are not passed on; the final response follows.
                return;
            }
            cancelResponseTimer();
            responseStarted = true;
            status = code;
            upstreamNanos = System.nanoTime() - upstreamStartNanos;
            target.metrics().record(UpstreamMetrics.Outcome.SUCCESS, upstreamNanos);
            upstreamReusable = head.isKeepAlive();
            ResponseHead.Framing framing = head.framing();
            chunkToClient = false;
            if (framing == ResponseHead.Framing.CHUNKED || framing == ResponseHead.Framing.UNTIL_CLOSE) {
                // A body of unknown length (HEAD, 204, 304 and 101 have none: the head's framing says so).
                if (http10) {
                    closeAfterResponse = true; // close-delimited: HTTP/1.0 has no chunked coding
                } else {
                    chunkToClient = true;
                }
            }
            if (!requestRead) {
                // The upstream answered before the whole body was sent: the connection can't be reused and the
                // rest of the client's body won't be read.
                upstreamReusable = false;
                closeAfterResponse = true;
            }
            if (!clientKeepAlive || state.isDraining()) {
                closeAfterResponse = true;
            }
            // Room for a small sized body too: it is copied in behind the head (one buffer, one write).
            long length = head.contentLength();
            int bodyRoom = framing == ResponseHead.Framing.LENGTH && length <= SMALL_BODY ? (int) length : 0;
            ByteBuf out = ctx.alloc().directBuffer(head.length() + 96 + requestId.length() + bodyRoom);
            head.writeStatusLine(out);
            if (context != null && filterIndex > 0 && route.editsResponses() && aFilterEditsResponse()) {
                writeFilteredHeaders(head, out);
            } else {
                // The fast path: the upstream's header lines as they arrived, hop-by-hop ones left out.
                head.writeForwardedLines(out);
                if (chunkToClient) {
                    out.writeBytes(Http1Writer.CHUNKED_LINE);
                }
                if (closeAfterResponse) {
                    out.writeBytes(Http1Writer.CLOSE_LINE);
                } else if (http10) {
                    out.writeBytes(Http1Writer.KEEP_ALIVE_LINE);
                }
                out.writeBytes(Http1Writer.REQUEST_ID_PREFIX);
                Http1Writer.writeText(out, requestId);
                out.writeShort(Http1Writer.CRLF_SHORT);
            }
            out.writeShort(Http1Writer.CRLF_SHORT);
            pendingHead = out;
            clientFlushPending = true;
        }

        /** Writes the response head if it is still held back for a small body to join it. */
        private void writePendingHead() {
            ByteBuf h = pendingHead;
            if (h != null) {
                pendingHead = null;
                ctx.write(h, ctx.voidPromise());
            }
        }

        private boolean aFilterEditsResponse() {
            GatewayFilter[] filters = route.filters();
            for (int i = filterIndex - 1; i >= 0; i--) {
                if (filters[i].editsResponse(context)) {
                    return true;
                }
            }
            return false;
        }

        /** The slow path for requests whose filters edit response headers: headers as an object. */
        private void writeFilteredHeaders(ResponseHead head, ByteBuf out) {
            HttpHeaders h = head.forwardedHeaders();
            if (chunkToClient) {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (closeAfterResponse) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            h.set(GatewayHeaders.X_REQUEST_ID, requestId);
            GatewayFilter[] filters = route.filters();
            for (int i = filterIndex - 1; i >= 0; i--) {
                filters[i].onResponse(context, h);
            }
            Http1Writer.writeHeaders(out, h);
        }

        @Override
        public void onResponseContent(ByteBuf in, int index, int length) {
            if (finished || !responseStarted) {
                return;
            }
            bytesOut += length;
            ByteBuf h = pendingHead;
            if (chunkToClient) {
                writePendingHead();
                ctx.write(Http1Writer.chunkHeader(ctx.alloc(), length), ctx.voidPromise());
                ctx.write(in.retainedSlice(index, length), ctx.voidPromise());
                ctx.write(Http1Writer.crlf(), ctx.voidPromise());
            } else if (h != null && length <= SMALL_BODY && h.writableBytes() >= length) {
                h.writeBytes(in, index, length);
            } else {
                writePendingHead();
                ctx.write(in.retainedSlice(index, length), ctx.voidPromise());
            }
            clientFlushPending = true;
            if (!channel.isWritable()) {
                connection.setAutoRead(false);
            }
        }

        @Override
        public void onResponseEnd(ByteBuf trailers) {
            if (finished || !responseStarted) {
                if (trailers != null) {
                    trailers.release();
                }
                return;
            }
            writePendingHead();
            if (chunkToClient) {
                if (trailers != null) {
                    ctx.write(Http1Writer.lastChunkBeforeTrailers(), ctx.voidPromise());
                    ctx.write(trailers, ctx.voidPromise());
                    ctx.write(Http1Writer.crlf(), ctx.voidPromise());
                } else {
                    ctx.write(Http1Writer.lastChunk(), ctx.voidPromise());
                }
                clientFlushPending = true;
            } else if (trailers != null) {
                trailers.release();
            }
            responseDone = true;
            maybeFinish();
        }

        @Override
        public void onUpstreamReadComplete() {
            writePendingHead();
            if (clientFlushPending) {
                clientFlushPending = false;
                ctx.flush();
            }
        }

        @Override
        public void onUpstreamClosed(Throwable cause) {
            UpstreamConnection c = connection;
            connection = null;
            if (finished) {
                return;
            }
            if (responseStarted) {
                // Died mid-body: close the client so the truncation can't pass for a complete response.
                logger.debug("request {}: {} closed mid-response", requestId, target);
                abortAll();
                return;
            }
            boolean bad = cause instanceof UpstreamConnection.UpstreamProtocolException;
            if (reusedConnection && !hasBody && requestRead && attempts < 3 && !bad && isIdempotent(method)) {
                // A kept-alive connection the upstream closed as we sent, before any response byte: try again
                // (like nginx, only for idempotent methods without a body).
                cancelResponseTimer();
                logger.debug("request {}: retrying after pooled connection to {} closed", requestId, target);
                requestSent = false;
                acquire();
                return;
            }
            cancelResponseTimer();
            GatewayErrors.Error e = bad ? GatewayErrors.UPSTREAM_BAD_RESPONSE : GatewayErrors.UPSTREAM_UNAVAILABLE;
            target.metrics().record(bad ? UpstreamMetrics.Outcome.BAD_RESPONSE : UpstreamMetrics.Outcome.CLOSED,
                    System.nanoTime() - upstreamStartNanos);
            logger.debug("request {}: {} closed before responding: {}", requestId, target,
                    cause == null ? "closed" : cause.toString());
            failLocally(e, !requestRead || c == null);
        }

        // ----- ending

        private void maybeFinish() {
            if (!responseDone || finished) {
                return;
            }
            finished = true;
            cancelResponseTimer();
            UpstreamConnection c = connection;
            connection = null;
            if (c != null) {
                // Not reusable when the upstream answered before the whole request was sent.
                c.release(upstreamReusable && requestSent && requestRead);
            }
            complete();
        }

        /** The exchange is over on the client side; log it and move to the next request. */
        private void complete() {
            if (clientFlushPending && !inReadBatch) {
                // The upstream connection was released inside its read batch, so its read-complete won't reach us.
                clientFlushPending = false;
                ctx.flush();
            }
            state.activeRequests().decrementAndGet();
            recordFinished();
            if (current == this) {
                current = null;
            }
            if (backPressured) {
                backPressured = false;
                updateAutoRead();
            }
            if (closeAfterResponse || closing) {
                closing = true;
                releaseQueued();
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            idleSinceNanos = System.nanoTime();
            if (state.isDraining() && queued.isEmpty()) {
                closing = true;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (!queued.isEmpty()) {
                drainQueue();
            }
        }

        /**
         * Answers locally with a gateway error. {@code close}: the rest of the request can't be read safely (or
         * is too large to read), so the connection closes after the response.
         */
        void failLocally(GatewayErrors.Error e, boolean close) {
            respondLocally(GatewayErrors.response(ctx.alloc(), e, requestId.toString()), close);
        }

        private void respondLocally(FullHttpResponse r, boolean close) {
            if (finished) {
                r.release();
                return;
            }
            finished = true;
            dropUpstream();
            status = r.status().code();
            r.headers().set(GatewayHeaders.X_REQUEST_ID, requestId);
            // A body we haven't read yet (and won't forward) forces a close unless it's empty.
            if (!requestRead && hasBody) {
                close = true;
            }
            if (close || !clientKeepAlive || state.isDraining()) {
                closeAfterResponse = true;
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            bytesOut = r.content().readableBytes();
            responseStarted = true;
            responseDone = true;
            writeLocal(r);
            if (!closeAfterResponse && !requestRead) {
                // The (empty) rest of this request is still to come; drop it when it arrives.
                discardingBody = true;
            }
            flushClientSoon();
            complete();
        }

        /** Abandons the exchange and closes both connections (the response is already partly sent). */
        private void abortAll() {
            if (finished) {
                return;
            }
            finished = true;
            releasePendingHead();
            dropUpstream();
            state.activeRequests().decrementAndGet();
            recordFinished();
            closing = true;
            releaseQueued();
            if (current == this) {
                current = null;
            }
            ctx.flush();
            channel.close();
        }

        /** The client connection closed: give up on the upstream exchange. */
        void clientGone() {
            if (finished) {
                return;
            }
            finished = true;
            releasePendingHead();
            dropUpstream();
            if (!responseStarted) {
                status = CLIENT_CLOSED.code();
            }
            state.activeRequests().decrementAndGet();
            recordFinished();
        }

        /** The exchange ended early: stop timers, leave the pool's queue, close a busy connection, free the body. */
        private void dropUpstream() {
            cancelResponseTimer();
            if (waitingForConnection) {
                pool.cancel(this);
                waitingForConnection = false;
            }
            UpstreamConnection c = connection;
            connection = null;
            if (c != null) {
                c.abort();
            }
            releasePending();
        }

        private void releasePendingHead() {
            if (pendingHead != null) {
                pendingHead.release();
                pendingHead = null;
            }
        }

        private void releasePending() {
            if (pendingBody != null) {
                HttpContent p;
                while ((p = pendingBody.pollFirst()) != null) {
                    p.release();
                }
            }
        }

        /** Exactly once per exchange: the request timer and the access-log line. */
        private void recordFinished() {
            long total = System.nanoTime() - startNanos;
            (route == null ? state.unroutedMetrics() : route.metrics()).record(method, status, 0, total);
            AccessLog log = state.accessLog();
            if (log.isEnabled()) {
                log.log(requestId.toString(), Traceparent.traceId(traceparent), clientIp, method.name(), logPath,
                        route == null ? null : route.id(), null, null, target == null ? null : target.url(),
                        status, bytesIn, bytesOut, total, upstreamNanos);
            }
        }
    }
}
