package dev.gateway.server.http1;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.exchange.Downstream;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.WebSocketSession;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection handler of the proxy listener, where every request enters and its response leaves. It does the
 * I/O only: it starts an {@link Exchange} for each decoded request head, feeds it the body, and writes what the
 * exchange sends back as HTTP/1.1 bytes (it is the exchange's {@link Downstream}). Pipelined requests are queued and
 * answered in order; back-pressure turns auto-read off on the side that produces faster than the other can take;
 * writes are flushed once per read batch, not once per message; one lazily re-armed timer per connection covers the
 * idle, header-read, response and write timeouts.
 *
 * <p>All state is confined to the channel's event loop.
 */
final class Http1ServerHandler extends ChannelInboundHandlerAdapter {
    private static final Logger logger = LoggerFactory.getLogger(Http1ServerHandler.class);
    /** The method recorded for a response to no request at all (a header-read timeout, the connection limit). */
    private static final HttpMethod NO_METHOD = HttpMethod.valueOf("-");
    /** Bytes a client may send after a WebSocket handshake before it is answered (it should send none). */
    private static final int MAX_HELD_FOR_UPSTREAM = 64 * 1024;

    private final ProxyState state;
    private final long idleTimeoutNanos;
    private final long headerTimeoutNanos;
    private final long writeTimeoutNanos;
    private final int maxPipelined;
    /** The longest the connection timer sleeps: min(idle, header-read, smallest route timeout), at least 1 s. */
    private final long timerPeriodNanos;

    private ChannelHandlerContext ctx;
    private Channel channel;

    /** The exchange whose response is being produced; null between requests. */
    private Exchange current;
    /** Pipelined requests that arrived while {@link #current} is still running; made when a client pipelines. */
    private PipelinedRequests queued;
    /** True while a local response was sent before the request body was read: the rest is discarded. */
    private boolean discardingBody;
    private boolean closing;
    private boolean inReadBatch;
    /** Reading the request body is paused: the upstream can't take it yet. */
    private boolean backPressured;
    private boolean queueFull;
    /** A WebSocket handshake is being forwarded: no more HTTP parsing, bytes that follow it are held. */
    private boolean upgrading;
    /** What the client sent after its handshake, for the upstream once it switches protocols; or null. */
    private CompositeByteBuf heldForUpstream;
    /** The connection became a WebSocket relay and this handler left its pipeline. */
    private boolean relayed;
    /** The connection as its exchanges see it, and their responses' bytes. */
    private final Http1Downstream downstream;

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
    /** When the client connection became unwritable (the client stopped reading), or 0 while it is writable. */
    private long unwritableSinceNanos;

    Http1ServerHandler(ProxyState state, Snapshot snapshot) {
        this.state = state;
        ServerConfig limits = snapshot.config().server();
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.headerTimeoutNanos = limits.headerReadTimeout().toNanos();
        this.writeTimeoutNanos = limits.writeTimeout().toNanos();
        this.maxPipelined = limits.maxPipelinedRequests();
        long period = Math.min(idleTimeoutNanos, headerTimeoutNanos);
        period = Math.min(period, TimeUnit.MILLISECONDS.toNanos(snapshot.minRouteTimeoutMillis()));
        this.timerPeriodNanos = Math.max(period, TimeUnit.SECONDS.toNanos(1));
        this.downstream = new Http1Downstream(this, state);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connection lifecycle and timers

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        downstream.attach(ctx);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Snapshot snapshot = state.config().get();
        downstream.connected(snapshot);
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
        releaseHeld();
        downstream.releasePendingHead();
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
        if (unwritableSinceNanos != 0 && now - unwritableSinceNanos >= writeTimeoutNanos) {
            // The client stopped reading the response: let both connections go (the exchange cancels its upstream).
            logger.debug("client {} read nothing for {} ms (write-timeout): closing", channel.remoteAddress(),
                    writeTimeoutNanos / 1_000_000);
            closing = true;
            channel.close();
            return;
        }
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
        if (unwritableSinceNanos != 0) {
            next = Math.min(next - now, unwritableSinceNanos + writeTimeoutNanos - now) + now;
        }
        scheduleTimer(next - now);
    }

    /** Drain: close now if idle, else let the current response finish and close after it. */
    void drain() {
        if (current == null && headerStartNanos == 0 && nothingQueued()) {
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
            if (upgrading && !closing && msg instanceof ByteBuf bytes) {
                holdForUpstream(bytes);
                return;
            }
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && current.isRequestRead() || !nothingQueued()) {
            enqueue(obj);
            return;
        }
        dispatch(obj);
    }

    private boolean nothingQueued() {
        return queued == null || queued.isEmpty();
    }

    private void enqueue(HttpObject obj) {
        if (queued == null) {
            queued = new PipelinedRequests();
        }
        if (!queued.add(obj)) {
            // A client pipelining thousands of requests in one packet: refuse to hold them.
            logger.debug("pipelining limit exceeded by {}", channel.remoteAddress());
            closing = true;
            releaseQueued();
            channel.close();
            return;
        }
        if (queued.requests() >= maxPipelined && !queueFull) {
            queueFull = true;
            updateAutoRead();
        }
    }

    private void dispatch(HttpObject obj) {
        if (obj instanceof HttpRequest req) {
            startRequest(req);
        } else if (obj instanceof HttpContent content) {
            if (content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()
                    && !HeaderNames.allValid(last.trailingHeaders())) {
                // Trailer fields are checked like header fields; the exchange answers 400 and the connection closes.
                content.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid trailer field")));
            }
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
        downstream.flushIfPending();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            unwritableSinceNanos = 0;
            Exchange ex = current;
            if (ex != null) {
                ex.onClientWritable();
            }
        } else {
            unwritableSinceNanos = System.nanoTime();
            ensureTimerBy(unwritableSinceNanos + writeTimeoutNanos);
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
        boolean want = !backPressured && !queueFull && !upgrading;
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    private void releaseQueued() {
        if (queued != null) {
            queued.releaseAll();
        }
    }

    /** After an exchange ends on a keep-alive connection: serve queued pipelined requests, in order. */
    private void drainQueue() {
        PipelinedRequests q = queued;
        while (current == null && !closing && !q.isEmpty() && !discardingBody) {
            dispatch(q.poll());
            while (current != null && !current.isRequestRead() && !q.isEmpty() && !q.nextIsRequest()) {
                dispatch(q.poll());
            }
        }
        while (discardingBody && !q.isEmpty() && !q.nextIsRequest()) {
            dispatch(q.poll());
        }
        if (queueFull && q.requests() < maxPipelined) {
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
        downstream.start(req);
        Exchange ex = new Exchange(downstream, state.config().get(), state.log(), state.unrouted(), req, start);
        current = ex;
        state.activeRequests().incrementAndGet();
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            logger.debug("invalid request from {}: {}", channel.remoteAddress(), cause == null ? "?" : cause.getMessage());
            ex.reject(cause instanceof TooLongHttpLineException ? GatewayErrors.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? GatewayErrors.HEADERS_TOO_LARGE
                    : GatewayErrors.BAD_REQUEST);
            ReferenceCountUtil.release(req);
        } else if (req.protocolVersion() != HttpVersion.HTTP_1_1 && req.protocolVersion() != HttpVersion.HTTP_1_0) {
            // Well-formed but not 1.x (Http1RequestDecoder refused the malformed ones), an HTTP/2 preface among them.
            ex.reject(GatewayErrors.VERSION_NOT_SUPPORTED);
        } else if (!HeaderNames.allValid(req.headers())) {
            logger.debug("invalid header name or value from {}", channel.remoteAddress());
            ex.reject(GatewayErrors.BAD_REQUEST);
        } else {
            ex.begin();
            if (upgrading) {
                stopParsing();
            }
        }
    }

    /** A gateway error that answers no request (a header-read timeout, the connection limit); the connection closes. */
    private void respondWithoutRequest(GatewayError error) {
        downstream.startWithoutRequest();
        Exchange ex = new Exchange(downstream, state.config().get(), state.log(), state.unrouted(),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, NO_METHOD, "-"), System.nanoTime());
        current = ex;
        state.activeRequests().incrementAndGet();
        ex.reject(error);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the connection's exchanges ask of it (through Http1Downstream)

    boolean inReadBatch() {
        return inReadBatch;
    }

    /** A response the gateway made was written; an unread (empty) rest of the request is dropped when it comes. */
    void responded(boolean closing) {
        Exchange ex = current;
        if (!closing && ex != null && !ex.isRequestRead()) {
            discardingBody = true;
        }
    }

    /** Stops or resumes reading the request body (the upstream is backed up). */
    void pauseRequestBody(boolean pause) {
        if (backPressured != pause) {
            backPressured = pause;
            updateAutoRead();
        }
    }

    void wakeBy(long deadlineNanos) {
        ensureTimerBy(deadlineNanos);
    }

    /** The exchange is over (see {@link dev.gateway.core.exchange.Downstream#exchangeEnded}). */
    void exchangeEnded(Exchange ex, boolean abort) {
        state.activeRequests().decrementAndGet();
        if (current == ex) {
            current = null;
        }
        if (abort) {
            downstream.releasePendingHead();
            closing = true;
            releaseQueued();
            ctx.flush();
            channel.close();
            return;
        }
        // The upstream connection was released inside its read batch, so its read-complete won't reach us.
        downstream.flushIfPendingOutsideReadBatch();
        if (backPressured) {
            backPressured = false;
            updateAutoRead();
        }
        if (downstream.closeAfterResponse() || closing) {
            if (relayed) {
                return; // the connection is a WebSocket relay now
            }
            closing = true;
            releaseQueued();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        idleSinceNanos = System.nanoTime();
        boolean nothingQueued = nothingQueued();
        if (state.isDraining() && nothingQueued) {
            closing = true;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        if (!nothingQueued) {
            drainQueue();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // WebSocket: the handshake, then the switch to a relay (WebSocketRelay)

    /** The current request is a WebSocket handshake being forwarded (see {@link Downstream#upgradeRequested}). */
    void upgradeRequested() {
        upgrading = true;
    }

    /**
     * After the handshake's head: the request decoder leaves the pipeline, so nothing the client sends next is
     * parsed as HTTP; the bytes it still held come to {@link #channelRead} as a buffer right away (Netty's decoder
     * passes them on when removed), and are held with anything read later until the upstream answers.
     */
    private void stopParsing() {
        updateAutoRead();
        if (ctx.pipeline().get(HttpRequestDecoder.class) != null) {
            ctx.pipeline().remove(HttpRequestDecoder.class);
        }
    }

    private void holdForUpstream(ByteBuf bytes) {
        if (heldForUpstream == null) {
            heldForUpstream = ctx.alloc().compositeBuffer();
        }
        heldForUpstream.addComponent(true, bytes);
        if (heldForUpstream.readableBytes() > MAX_HELD_FOR_UPSTREAM) {
            logger.debug("{} sent over {} bytes before its handshake was answered", channel.remoteAddress(),
                    MAX_HELD_FOR_UPSTREAM);
            closing = true;
            releaseHeld();
            channel.close();
        }
    }

    private void releaseHeld() {
        if (heldForUpstream != null) {
            heldForUpstream.release();
            heldForUpstream = null;
        }
    }

    /**
     * The upstream switched protocols: {@code response} (the 101 head) goes to the client and the connection becomes
     * a {@link WebSocketRelay}; this handler leaves the pipeline (its exchange ends right after, see exchangeEnded).
     */
    void switchToRelay(ByteBuf response, UpstreamStream upstream, WebSocketSession session) {
        closing = true;
        relayed = true;
        upgrading = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        releaseQueued(); // nothing can follow a handshake as HTTP; a client that pipelined anyway loses it
        downstream.releasePendingHead();
        ByteBuf early = heldForUpstream;
        heldForUpstream = null;
        WebSocketRelay relay = WebSocketRelay.start(channel, response, upstream, early, session, state);
        ctx.pipeline().remove(this);
        relay.resume();
    }
}
