package dev.gateway.server.http1;

import dev.gateway.core.exchange.ExchangeLog;
import dev.gateway.core.exchange.WebSocketSession;
import dev.gateway.core.exchange.WebSocketSession.CloseCause;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket after the upstream's 101: raw bytes relayed both ways between the client connection and its dedicated
 * upstream connection, without frame decoding. Each side's handler is the last (and only) inbound handler of its
 * channel; a buffer read on one side is written to the other as is (ownership passes with the write, no copy).
 *
 * <p>Back-pressure: when the receiving channel is not writable, auto-read stops on the sending one; the receiving
 * channel's writability-changed event turns it on again. When either side closes, what was written to the other is
 * flushed and the other closes too. A relay without a byte either way for the route's
 * {@code websocket-idle-timeout} closes both. Its end writes one access-log line (duration, bytes each way).
 *
 * <p>Both channels are on the same event loop (the upstream pool is that loop's), so all state is confined to it.
 */
final class WebSocketRelay {
    private static final Logger logger = LoggerFactory.getLogger(WebSocketRelay.class);
    private static final byte[] UPGRADE_PREFIX = "upgrade: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONNECTION_UPGRADE_LINE = "connection: upgrade\r\n".getBytes(StandardCharsets.US_ASCII);

    private final WebSocketSession session;
    private final ExchangeLog log;
    private final AtomicInteger active;
    private final AtomicInteger connections;
    private final Side fromClient;
    private final Side fromUpstream;
    private final long startNanos = System.nanoTime();
    private long lastReadNanos = startNanos;
    private ScheduledFuture<?> idleTimer;
    /** Set when the relay ends (the first side closed, the idle timeout, an error); the other side then closes. */
    private CloseCause ended;

    private WebSocketRelay(Channel client, Channel upstream, WebSocketSession session, ProxyState state) {
        this.session = session;
        this.log = state.log();
        this.active = state.webSockets();
        this.connections = state.connectionCount();
        this.fromClient = new Side(client, CloseCause.CLIENT);
        this.fromUpstream = new Side(upstream, CloseCause.UPSTREAM);
        fromClient.other = fromUpstream;
        fromUpstream.other = fromClient;
    }

    /**
     * Writes the 101 head {@code response} to the client and starts relaying: {@code early} (what the client sent
     * after its handshake, or null) goes upstream first, then everything that follows either way. Called on the
     * loop by the connection's {@link Http1ServerHandler}, which leaves the pipeline right after; the caller then
     * calls {@link #resume()}.
     */
    static WebSocketRelay start(Channel client, ByteBuf response, UpstreamStream upstream, ByteBuf early,
            WebSocketSession session, ProxyState state) {
        WebSocketRelay r = new WebSocketRelay(client, upstream.channel(), session, state);
        r.active.incrementAndGet();
        client.pipeline().addLast("websocket", r.fromClient);
        client.write(response, client.voidPromise());
        // The HTTP codec leaves the upstream pipeline; bytes read after the 101 head arrive at fromUpstream next.
        upstream.switchProtocols(r.fromUpstream);
        if (early != null) {
            r.fromClient.bytes += early.readableBytes();
            upstream.channel().writeAndFlush(early, upstream.channel().voidPromise());
        }
        client.flush();
        r.armIdleTimer(session.idleTimeoutNanos());
        return r;
    }

    /** Reading starts on both sides (each while the other can take bytes). */
    void resume() {
        fromClient.updateAutoRead();
        fromUpstream.updateAutoRead();
    }

    /** {@code upgrade: <the upstream's value>} and {@code connection: upgrade} lines for the 101 to the client. */
    static void writeUpgradeLines(ByteBuf out, ResponseHead head) {
        String upgrade = "websocket";
        for (int i = 0, n = head.headerCount(); i < n; i++) {
            String name = head.name(i);
            if (name.equalsIgnoreCase("upgrade")) {
                upgrade = head.value(i);
                break;
            }
        }
        out.writeBytes(UPGRADE_PREFIX);
        Http1Writer.writeText(out, upgrade);
        out.writeShort(Http1Writer.CRLF_SHORT);
        out.writeBytes(CONNECTION_UPGRADE_LINE);
    }

    private void armIdleTimer(long delayNanos) {
        idleTimer = fromClient.channel.eventLoop().schedule(this::onIdleTimer, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Lazily re-armed (as Netty's IdleStateHandler): reads only note the time, the timer compares. */
    private void onIdleTimer() {
        idleTimer = null;
        if (ended != null) {
            return;
        }
        long idle = System.nanoTime() - lastReadNanos;
        long timeout = session.idleTimeoutNanos();
        if (idle >= timeout) {
            logger.debug("request {}: websocket idle for {} ms, closing", session.requestId(), timeout / 1_000_000);
            end(CloseCause.IDLE);
        } else {
            armIdleTimer(timeout - idle);
        }
    }

    /** The relay ends: both sides close once what was written to them is flushed; the close line is logged once. */
    private void end(CloseCause cause) {
        if (ended != null) {
            return;
        }
        ended = cause;
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
        active.decrementAndGet();
        fromClient.closeAfterFlush();
        fromUpstream.closeAfterFlush();
        if (log.isEnabled(session.accessLog())) {
            log.webSocketClosed(session, cause, fromClient.bytes, fromUpstream.bytes, System.nanoTime() - startNanos);
        }
    }

    /** The handler of one side: what it reads goes to {@link #other}. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final Channel channel;
        private final CloseCause closedHere;
        private Side other;
        /** Bytes read on this side (and written to the other). */
        private long bytes;
        private boolean flushPending;

        Side(Channel channel, CloseCause closedHere) {
            this.channel = channel;
            this.closedHere = closedHere;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf) || ended != null) {
                ReferenceCountUtil.release(msg);
                return;
            }
            bytes += buf.readableBytes();
            other.channel.write(buf, other.channel.voidPromise()); // the other side's socket owns it now
            flushPending = true;
            if (!other.channel.isWritable()) {
                updateAutoRead();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            lastReadNanos = System.nanoTime();
            if (flushPending) {
                flushPending = false;
                other.channel.flush();
            }
        }

        /** This channel can take more (or no more) bytes: reading from the other side follows. */
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            other.updateAutoRead();
        }

        /** Reads while the other side can take what is read. */
        void updateAutoRead() {
            boolean want = ended == null && other.channel.isWritable();
            if (channel.config().isAutoRead() != want) {
                channel.config().setAutoRead(want);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (this == fromClient) {
                connections.decrementAndGet(); // the Http1ServerHandler that counted it has left the pipeline
            }
            end(closedHere);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            logger.debug("request {}: websocket {} side failed: {}", session.requestId(), closedHere.text(),
                    cause.toString());
            end(CloseCause.ERROR);
            channel.close();
        }

        void closeAfterFlush() {
            if (channel.isActive()) {
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
