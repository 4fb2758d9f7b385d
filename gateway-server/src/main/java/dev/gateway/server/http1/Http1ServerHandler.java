package dev.gateway.server.http1;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.exchange.Downstream;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.WebSocketSession;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-connection handler of the proxy listener, where every request enters and its response leaves. It does the
 * I/O only: it starts an {@link Exchange} for each decoded request head, feeds it the body, and writes what the
 * exchange sends back as HTTP/1.1 bytes (through {@link Http1Downstream}, the exchange's {@link Downstream}).
 * Pipelined requests are queued and answered in order; back-pressure turns auto-read off on the side that produces
 * faster than the other can take; writes are flushed once per read batch, not once per message. It is the
 * connection's {@link ClientFlow}, which the exchange's call uses directly; the {@link ConnectionTimer} keeps the
 * idle, header-read, response and write timeouts.
 *
 * <p>All state is confined to the channel's event loop.
 */
final class Http1ServerHandler extends ChannelInboundHandlerAdapter implements ClientFlow {
    private static final Logger logger = LoggerFactory.getLogger(Http1ServerHandler.class);
    /** The method recorded for a response to no request at all (a header-read timeout, the connection limit). */
    private static final HttpMethod NO_METHOD = HttpMethod.valueOf("-");

    private final ProxyState state;
    private final int maxPipelined;
    private final ConnectionTimer timer;

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
    /** A WebSocket handshake being forwarded (no more HTTP parsing, bytes that follow it are held), or null. */
    private PendingUpgrade upgrade;
    /** The connection became a WebSocket relay and this handler left its pipeline. */
    private boolean relayed;
    /** The connection as its exchanges see it, and their responses' bytes. */
    private final Http1Downstream downstream;
    /** The current exchange's upstream attempt, which the flow wakes (see {@link ClientFlow#listen}); or null. */
    private ClientFlow.Listener flowListener;
    /** True when the current read batch decoded a message (else it only carried part of a request head). */
    private boolean readMessage;

    Http1ServerHandler(ProxyState state, Snapshot snapshot) {
        this.state = state;
        ServerConfig limits = snapshot.config().server();
        this.maxPipelined = limits.maxPipelinedRequests();
        this.timer = new ConnectionTimer(this, limits, snapshot.minRouteTimeoutMillis());
        this.downstream = new Http1Downstream(this, state);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Connection lifecycle and timers

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        timer.attach(channel.eventLoop());
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
        timer.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        state.connectionCount().decrementAndGet();
        timer.stop();
        Exchange ex = current;
        if (ex != null) {
            ex.clientGone();
        }
        current = null;
        releaseQueued();
        if (upgrade != null) {
            upgrade.release();
        }
        downstream.releasePendingHead();
        ctx.fireChannelInactive();
    }

    boolean isOpen() {
        return channel.isActive() && !closing;
    }

    boolean isReadingBody() {
        return current != null && !current.isRequestRead();
    }

    /** What a {@link ConnectionTimer} timeout does. */
    void timedOut(ConnectionTimer.Timeout t) {
        switch (t) {
            case HEADER_READ -> respondWithoutRequest(GatewayErrors.REQUEST_TIMEOUT);
            case BODY_STALLED -> current.onBodyStalled(); // the client stopped sending its body: like an idle one
            default -> {
                // Idle, or the client stopped reading the response (the exchange then cancels its upstream).
                logger.debug("client {}: {} timeout, closing", channel.remoteAddress(), t);
                closing = true;
                channel.close();
            }
        }
    }

    /** See {@link Http1Initializer#handOver}: true if no request was started and the connection was not refused. */
    boolean handOver() {
        if (closing || current != null || !channel.isActive()) {
            return false;
        }
        closing = true; // nothing of this handler's runs from now on
        timer.stop();
        return true;
    }

    /** Drain: close now if idle, else let the current response finish and close after it. */
    void drain() {
        if (timer.isIdle() && nothingQueued()) {
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
            if (upgrade != null && !closing && msg instanceof ByteBuf bytes) {
                if (!upgrade.hold(ctx, bytes)) {
                    logger.debug("{} sent over {} bytes before its handshake was answered", channel.remoteAddress(),
                            PendingUpgrade.MAX_HELD);
                    closing = true;
                    channel.close();
                }
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
        // Bytes arrived but no complete head yet: the header-read timeout starts now.
        timer.readComplete(!readMessage && current == null && !closing);
        readMessage = false;
        ClientFlow.Listener l = flowListener;
        if (l != null) {
            l.onClientReadComplete();
        }
        downstream.flushIfPending();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = channel.isWritable();
        timer.writabilityChanged(writable);
        ClientFlow.Listener l = flowListener;
        if (writable && l != null) {
            l.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange ex = current;
        if (cause instanceof IOException || cause.getCause() instanceof javax.net.ssl.SSLException || ex == null
                || ex.isResponseStarted()) {
            logger.debug("client connection {} failed: {}", channel.remoteAddress(), cause.toString());
            closing = true;
            ctx.close();
        } else {
            ex.failInternally(cause);
        }
    }

    private void updateAutoRead() {
        boolean want = !backPressured && !queueFull && upgrade == null;
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
        timer.exchangeStarted();
        discardingBody = false;
        downstream.start(req);
        Exchange ex = new Exchange(downstream, state.config().get(), state.log(), state.unrouted(), req, start);
        current = ex;
        state.activeRequests().incrementAndGet();
        GatewayError invalid = Http1RequestDecoder.invalid(req);
        if (invalid != null) {
            logger.debug("invalid request from {}: {}", channel.remoteAddress(), invalid.code());
            ex.reject(invalid);
            ReferenceCountUtil.release(req);
            return;
        }
        ex.begin();
        if (upgrade != null) {
            updateAutoRead();
            PendingUpgrade.stopParsing(ctx);
        }
    }

    /** A gateway error that answers no request (a header-read timeout, the connection limit); the connection closes. */
    private void respondWithoutRequest(GatewayError error) {
        downstream.startWithoutRequest();
        timer.exchangeStarted();
        Exchange ex = new Exchange(downstream, state.config().get(), state.log(), state.unrouted(),
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, NO_METHOD, "-"), System.nanoTime());
        current = ex;
        state.activeRequests().incrementAndGet();
        ex.reject(error);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The client flow (what the exchange's call uses directly), and the end of an exchange

    @Override
    public void listen(ClientFlow.Listener listener) {
        flowListener = listener;
    }

    @Override
    public void wakeBy(long deadlineNanos) {
        timer.wakeBy(deadlineNanos, flowListener);
    }

    @Override
    public boolean inReadBatch() {
        return inReadBatch;
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    /** A response the gateway made was written; an unread (empty) rest of the request is dropped when it comes. */
    void responded(boolean closing) {
        Exchange ex = current;
        if (!closing && ex != null && !ex.isRequestRead()) {
            discardingBody = true;
        }
    }

    @Override
    public void pauseRequestBody(boolean pause) {
        if (backPressured != pause) {
            backPressured = pause;
            updateAutoRead();
        }
    }

    /** The exchange is over (see {@link dev.gateway.core.exchange.Downstream#exchangeEnded}). */
    void exchangeEnded(Exchange ex, boolean abort) {
        state.activeRequests().decrementAndGet();
        if (current == ex) {
            current = null;
        }
        flowListener = null;
        timer.exchangeEnded();
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
        boolean nothingQueued = nothingQueued();
        if (downstream.closeAfterResponse() || closing || (state.isDraining() && nothingQueued)) {
            if (relayed) {
                return; // the connection is a WebSocket relay now
            }
            closing = true;
            releaseQueued();
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
        upgrade = new PendingUpgrade();
    }

    /**
     * The upstream switched protocols: {@code response} (the 101 head) goes to the client and the connection becomes
     * a {@link WebSocketRelay}; this handler leaves the pipeline (its exchange ends right after, see exchangeEnded).
     */
    void switchToRelay(ByteBuf response, UpstreamStream upstream, WebSocketSession session) {
        closing = true;
        relayed = true;
        ByteBuf early = upgrade.take();
        upgrade = null;
        timer.stop();
        releaseQueued(); // nothing can follow a handshake as HTTP; a client that pipelined anyway loses it
        downstream.releasePendingHead();
        WebSocketRelay relay = WebSocketRelay.start(channel, response, upstream, early, session, state);
        ctx.pipeline().remove(this);
        relay.resume();
    }
}
