package dev.gateway.server.http1;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.exchange.Downstream;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.upstream.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
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
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection handler of the proxy listener, where every request enters and its response leaves. It does the
 * I/O only: it starts an {@link Exchange} for each decoded request head, feeds it the body, and writes what the
 * exchange sends back as HTTP/1.1 bytes (it is the exchange's {@link Downstream}). Pipelined requests are queued and
 * answered in order; back-pressure turns auto-read off on the side that produces faster than the other can take;
 * writes are flushed once per read batch, not once per message; one lazily re-armed timer per connection covers the
 * idle, header-read and response timeouts.
 *
 * <p>All state is confined to the channel's event loop.
 */
final class Http1ServerHandler extends ChannelInboundHandlerAdapter implements Downstream {
    private static final Logger logger = LoggerFactory.getLogger(Http1ServerHandler.class);
    /** Hard cap on queued pipelined messages decoded from what was already read (auto-read stops far earlier). */
    private static final int MAX_QUEUED_OBJECTS = 1024;
    /** Bodies up to this size are copied behind the response head instead of being written as a slice. */
    private static final int SMALL_BODY = 4096;
    /** The method recorded for a response to no request at all (a header-read timeout, the connection limit). */
    private static final HttpMethod NO_METHOD = HttpMethod.valueOf("-");

    private final ProxyState state;
    private final long idleTimeoutNanos;
    private final long headerTimeoutNanos;
    private final int maxPipelined;
    /** The longest the connection timer sleeps: min(idle, header-read, smallest route timeout), at least 1 s. */
    private final long timerPeriodNanos;

    private ChannelHandlerContext ctx;
    private Channel channel;
    private InetAddress clientAddress;
    private AsciiString clientIp;
    private boolean peerTrusted;
    private AsciiString localPort;

    /** The exchange whose response is being produced; null between requests. */
    private Exchange current;
    /** Objects of pipelined requests that arrived while {@link #current} is still running; made when needed. */
    private ArrayDeque<HttpObject> queued;
    private int queuedRequests;
    /** True while a local response was sent before the request body was read: the rest is discarded. */
    private boolean discardingBody;
    private boolean closing;
    private boolean inReadBatch;
    private boolean clientFlushPending;
    /** Reading the request body is paused: the upstream can't take it yet. */
    private boolean backPressured;
    private boolean queueFull;

    // The current response, framed for this connection.
    private boolean keepAlive;
    private boolean http10;
    private boolean headRequest;
    private boolean closeAfterResponse;
    /** The response goes to the client in chunked coding (the upstream sent no Content-Length). */
    private boolean chunkToClient;
    /** The response head, held back until the body's first piece (a small one is copied into it). */
    private ByteBuf pendingHead;

    /** Nanos when the connection last became idle (no request in progress); see {@link #onTimer()}. */
    private long idleSinceNanos;
    /** Nanos when the first byte of the next request arrived, or 0 if none did. */
    private long headerStartNanos;
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    private final Runnable timerTask = this::onTimer;
    /** True when the current read batch decoded a message (else it only carried part of a request head). */
    private boolean readMessage;
    /** When the last read batch ended (a request body that stops arriving times out like an idle connection). */
    private long lastReadNanos = System.nanoTime();

    Http1ServerHandler(ProxyState state, Snapshot snapshot) {
        this.state = state;
        ServerConfig limits = snapshot.config().server();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.headerTimeoutNanos = limits.headerReadTimeout().toNanos();
        this.maxPipelined = limits.maxPipelinedRequests();
        long period = Math.min(idleTimeoutNanos, headerTimeoutNanos);
        period = Math.min(period, TimeUnit.MILLISECONDS.toNanos(snapshot.minRouteTimeoutMillis()));
        this.timerPeriodNanos = Math.max(period, TimeUnit.SECONDS.toNanos(1));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connection lifecycle and timers

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Snapshot snapshot = state.config().get();
        if (channel.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            clientAddress = remote.getAddress();
            clientIp = AsciiString.of(clientAddress.getHostAddress());
            peerTrusted = snapshot.isTrustedProxy(clientAddress.getAddress());
        } else {
            clientIp = AsciiString.of("unknown");
        }
        localPort = channel.localAddress() instanceof InetSocketAddress local ? state.localPort(local.getPort())
                : AsciiString.EMPTY_STRING;
        int max = snapshot.config().server().maxConnections();
        if (state.connectionCount().incrementAndGet() > max) {
            logger.debug("connection limit {} reached, refusing {}", max, channel.remoteAddress());
            respondWithoutRequest(GatewayErrors.TOO_MANY_CONNECTIONS);
            return;
        }
        state.connections().add(channel);
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
        if (ex != null) {
            ex.clientGone();
        }
        current = null;
        releaseQueued();
        releasePendingHead();
        ctx.fireChannelInactive();
    }

    private void scheduleTimer(long delayNanos) {
        delayNanos = Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
        timerAtNanos = System.nanoTime() + delayNanos;
        timer = channel.eventLoop().schedule(timerTask, delayNanos, TimeUnit.NANOSECONDS);
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
     * request: it closes an idle keep-alive connection silently, answers 408 when request headers take too long, and
     * tells the exchange when its deadline (the upstream's response) passed. It never sleeps longer than
     * {@link #timerPeriodNanos}, which is at most the smallest route timeout, so arming a response deadline almost
     * never reschedules it.
     */
    private void onTimer() {
        timer = null;
        if (!channel.isActive() || closing) {
            return;
        }
        long now = System.nanoTime();
        Exchange ex = current;
        if (ex != null) {
            long d = ex.deadlineNanos();
            if (d != 0 && now - d >= 0) {
                ex.onDeadline();
            } else if (!ex.isRequestRead() && now - lastReadNanos >= idleTimeoutNanos) {
                // The client stopped sending its body: same limit as an idle connection.
                ex.onBodyStalled();
            }
        } else if (headerStartNanos != 0) {
            if (now - headerStartNanos >= headerTimeoutNanos) {
                respondWithoutRequest(GatewayErrors.REQUEST_TIMEOUT);
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
            long d = ex.deadlineNanos();
            if (d != 0 && d - next < 0) {
                next = d;
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
        if (current == null && headerStartNanos == 0 && (queued == null || queued.isEmpty())) {
            closing = true;
            channel.close();
        }
        // Otherwise: the draining flag makes the response carry Connection: close, and the channel closes after it.
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inbound from the client

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inReadBatch = true;
        readMessage = true;
        if (!(msg instanceof HttpObject obj) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && current.isRequestRead() || queued != null && !queued.isEmpty()) {
            enqueue(obj);
            return;
        }
        dispatch(obj);
    }

    private void enqueue(HttpObject obj) {
        if (queued == null) {
            queued = new ArrayDeque<>(8);
        }
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
            if (queuedRequests >= maxPipelined && !queueFull) {
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
            if (ex != null && !ex.isRequestRead()) {
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
            headerStartNanos = lastReadNanos;
            ensureTimerBy(headerStartNanos + headerTimeoutNanos);
        }
        readMessage = false;
        Exchange ex = current;
        if (ex != null) {
            ex.onClientReadComplete();
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
        if (ex != null && channel.isWritable()) {
            ex.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange ex = current;
        if (cause instanceof IOException || ex == null || ex.isResponseStarted()) {
            logger.debug("client connection {} failed: {}", channel.remoteAddress(), cause.toString());
            closing = true;
            ctx.close();
        } else {
            ex.failInternally(cause);
        }
    }

    private void updateAutoRead() {
        boolean want = !backPressured && !queueFull;
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            HttpObject o;
            while ((o = queued.pollFirst()) != null) {
                ReferenceCountUtil.release(o);
            }
        }
        queuedRequests = 0;
    }

    /** After an exchange ends on a keep-alive connection: serve queued pipelined requests, in order. */
    private void drainQueue() {
        ArrayDeque<HttpObject> q = queued;
        while (current == null && !closing && !q.isEmpty() && !discardingBody) {
            HttpObject o = q.pollFirst();
            if (o instanceof HttpRequest) {
                queuedRequests--;
            }
            dispatch(o);
            while (current != null && !current.isRequestRead() && !q.isEmpty()
                    && !(q.peekFirst() instanceof HttpRequest)) {
                dispatch(q.pollFirst());
            }
        }
        while (discardingBody && !q.isEmpty() && !(q.peekFirst() instanceof HttpRequest)) {
            dispatch(q.pollFirst());
        }
        if (queueFull && queuedRequests < maxPipelined) {
            queueFull = false;
            updateAutoRead();
        }
        if (current == null && !q.isEmpty() && !closing && !discardingBody) {
            drainQueue();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A new request

    private void startRequest(HttpRequest req) {
        long start = System.nanoTime();
        headerStartNanos = 0;
        discardingBody = false;
        closeAfterResponse = false;
        chunkToClient = false;
        keepAlive = HttpUtil.isKeepAlive(req);
        http10 = req.protocolVersion().minorVersion() == 0;
        headRequest = req.method() == HttpMethod.HEAD;
        Exchange ex = new Exchange(this, state.config().get(), state.log(), state.unrouted(), req, start);
        current = ex;
        state.activeRequests().incrementAndGet();
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            logger.debug("invalid request from {}: {}", clientIp, cause == null ? "?" : cause.getMessage());
            ex.reject(cause instanceof TooLongHttpLineException ? GatewayErrors.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? GatewayErrors.HEADERS_TOO_LARGE
                    : GatewayErrors.BAD_REQUEST);
            ReferenceCountUtil.release(req);
        } else if (!HeaderNames.allValid(req.headers())) {
            logger.debug("invalid header name or value from {}", clientIp);
            ex.reject(GatewayErrors.BAD_REQUEST);
        } else {
            ex.begin();
        }
    }

    /** A gateway error that answers no request (a header-read timeout, the connection limit); the connection closes. */
    private void respondWithoutRequest(GatewayError error) {
        keepAlive = false;
        http10 = false;
        headRequest = false;
        Exchange ex = new Exchange(this, state.config().get(), state.log(), state.unrouted(),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, NO_METHOD, "-"), System.nanoTime());
        current = ex;
        state.activeRequests().incrementAndGet();
        ex.reject(error);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Downstream: the exchange's response, framed for this connection

    @Override
    public EventLoop loop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public AsciiString clientIp() {
        return clientIp;
    }

    @Override
    public boolean isPeerTrusted() {
        return peerTrusted;
    }

    @Override
    public AsciiString localPort() {
        return localPort;
    }

    @Override
    public boolean inReadBatch() {
        return inReadBatch;
    }

    private boolean mustClose(boolean exchangeSaysClose) {
        if (exchangeSaysClose || !keepAlive || state.isDraining()) {
            closeAfterResponse = true;
        }
        return closeAfterResponse;
    }

    @Override
    public void forwardHead(ResponseHead head, HttpHeaders headers, CharSequence requestId, boolean close) {
        ResponseHead.Framing framing = head.framing();
        if (framing == ResponseHead.Framing.CHUNKED || framing == ResponseHead.Framing.UNTIL_CLOSE) {
            // A body of unknown length (HEAD, 204, 304 and 101 have none: the head's framing says so).
            if (http10) {
                closeAfterResponse = true; // close-delimited: HTTP/1.0 has no chunked coding
            } else {
                chunkToClient = true;
            }
        }
        mustClose(close);
        // Room for a small sized body too: it is copied in behind the head (one buffer, one write).
        long length = head.contentLength();
        int bodyRoom = framing == ResponseHead.Framing.LENGTH && length <= SMALL_BODY ? (int) length : 0;
        ByteBuf out = ctx.alloc().directBuffer(head.length() + 96 + requestId.length() + bodyRoom);
        head.writeStatusLine(out);
        if (headers != null) {
            // The slow path: headers edited by filters, as an object.
            if (chunkToClient) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (closeAfterResponse) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            headers.set(dev.gateway.core.http.GatewayHeaders.X_REQUEST_ID, requestId);
            Http1Writer.writeHeaders(out, headers);
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

    private void releasePendingHead() {
        if (pendingHead != null) {
            pendingHead.release();
            pendingHead = null;
        }
    }

    @Override
    public void forwardContent(ByteBuf in, int index, int length) {
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
    }

    @Override
    public void forwardEnd(ByteBuf trailers) {
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
    }

    @Override
    public void upstreamReadComplete() {
        writePendingHead();
        if (clientFlushPending) {
            clientFlushPending = false;
            ctx.flush();
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, boolean close) {
        if (mustClose(close)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.write(Http1Writer.head(ctx.alloc(), status, headers), ctx.voidPromise());
        if (headRequest) {
            body.release(); // a response to HEAD has no body, whatever its Content-Length says
        } else {
            ctx.write(body, ctx.voidPromise());
        }
        Exchange ex = current;
        if (!closeAfterResponse && ex != null && !ex.isRequestRead()) {
            // The (empty) rest of this request is still to come; drop it when it arrives.
            discardingBody = true;
        }
        flushSoon();
    }

    @Override
    public void sendContinue() {
        ctx.write(Http1Writer.continueResponse(), ctx.voidPromise());
        flushSoon();
    }

    private void flushSoon() {
        if (inReadBatch) {
            clientFlushPending = true;
        } else {
            ctx.flush();
        }
    }

    @Override
    public void pauseRequestBody(boolean pause) {
        if (backPressured != pause) {
            backPressured = pause;
            updateAutoRead();
        }
    }

    @Override
    public void wakeBy(long deadlineNanos) {
        ensureTimerBy(deadlineNanos);
    }

    @Override
    public void exchangeEnded(Exchange ex, boolean abort) {
        state.activeRequests().decrementAndGet();
        if (current == ex) {
            current = null;
        }
        if (abort) {
            releasePendingHead();
            closing = true;
            releaseQueued();
            ctx.flush();
            channel.close();
            return;
        }
        if (clientFlushPending && !inReadBatch) {
            // The upstream connection was released inside its read batch, so its read-complete won't reach us.
            clientFlushPending = false;
            ctx.flush();
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
        boolean nothingQueued = queued == null || queued.isEmpty();
        if (state.isDraining() && nothingQueued) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!nothingQueued) {
            drainQueue();
        }
    }
}
