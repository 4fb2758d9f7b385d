package dev.gateway.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

/**
 * One HTTP/2 connection of a {@link ConnectionPool} ({@code protocol: h2} over TLS with ALPN, {@code h2c} by prior
 * knowledge), the last handler of its pipeline after Netty's frame codec and multiplexer. It becomes ready when the
 * peer's first SETTINGS arrive (and, over TLS, after the handshake agreed on {@code h2}); from then it opens one
 * {@link H2Stream} per request while the peer's SETTINGS_MAX_CONCURRENT_STREAMS leaves room. After a GOAWAY it takes
 * no new streams; the streams the peer will still answer finish and the connection closes after the last. Used on its
 * event loop only.
 */
final class H2Connection extends ChannelInboundHandlerAdapter {
    /** The window the gateway offers per stream: a response body is read this far ahead of a slow client. */
    static final int STREAM_WINDOW = 256 * 1024;
    /**
     * The connection's receive window: response DATA a paused stream has not consumed holds it too, so it is large
     * enough for many paused streams, and one slow client does not stall the other streams of the connection.
     */
    static final int CONNECTION_WINDOW = 16 * 1024 * 1024;
    /** The most response header bytes accepted. */
    static final int MAX_HEADER_LIST = 64 * 1024;

    private enum State { CONNECTING, READY, GOING_AWAY, CLOSED }

    private final ConnectionPool pool;
    private Channel channel;
    private Http2StreamChannelBootstrap streams;
    private State state = State.CONNECTING;
    /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS. */
    private long maxStreams = ConnectionPool.ASSUMED_STREAMS;
    /** Streams opened (or opening) and not yet closed. */
    private int active;
    /** Streams this connection has carried: a later one counts as a reused connection. */
    private long served;
    /** The last stream id the peer will still process after its GOAWAY, or -1. */
    private int goAwayLastStreamId = -1;
    private ScheduledFuture<?> idleTimer;

    private H2Connection(ConnectionPool pool) {
        this.pool = pool;
    }

    /** The pipeline of a pool's HTTP/2 connections: [TLS], frame codec, multiplexer, this. */
    static ChannelHandler initializer(ConnectionPool pool) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Endpoint e = pool.endpoint();
                if (e.tls() != null) {
                    // The HTTP/2 handlers join once the handshake agreed on h2: nothing is sent before.
                    ch.pipeline().addLast("tls", e.tls().newHandler(ch.alloc(), e.key(), pool.connectTimeoutMillis()));
                    ch.pipeline().addLast("pool", new H2Connection(pool));
                } else {
                    addHttp2(ch.pipeline(), null);
                    ch.pipeline().addLast("pool", new H2Connection(pool));
                }
            }
        };
    }

    /** Adds the frame codec and the multiplexer, at the end or before {@code before}. */
    private static void addHttp2(io.netty.channel.ChannelPipeline p, String before) {
        Http2Settings settings = Http2Settings.defaultSettings()
                .pushEnabled(false)
                .initialWindowSize(STREAM_WINDOW)
                .maxHeaderListSize(MAX_HEADER_LIST);
        ChannelHandler codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(settings)
                .validateHeaders(true)
                // Streams over the peer's limit (when it lowers it) wait in the codec instead of failing.
                .encoderEnforceMaxConcurrentStreams(true)
                .build();
        ChannelHandler mux = new Http2MultiplexHandler(new RefusePushedStreams());
        if (before == null) {
            p.addLast("h2", codec).addLast("mux", mux);
        } else {
            p.addBefore(before, "h2", codec).addBefore(before, "mux", mux);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        streams = new Http2StreamChannelBootstrap(channel);
    }

    boolean isConnecting() {
        return state == State.CONNECTING;
    }

    /** True while ready with no stream open. */
    boolean isIdle() {
        return state == State.READY && active == 0;
    }

    int activeStreams() {
        return active;
    }

    /** Streams it can take now (0 unless ready). */
    int room() {
        if (state != State.READY || !channel.isActive()) {
            return 0;
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, maxStreams - active));
    }

    int goAwayLastStreamId() {
        return goAwayLastStreamId;
    }

    /** Opens a stream for {@code l}, which hears of it (or of the failure) through onConnected / onConnectFailed. */
    void openStream(UpstreamListener l) {
        active++;
        boolean reused = served++ > 0;
        cancelIdleTimer();
        H2Stream s = new H2Stream(this, pool.endpoint());
        s.bind(l);
        Future<Http2StreamChannel> f = streams.handler(s).open();
        if (f.isDone()) {
            opened(s, f, reused);
        } else {
            f.addListener(x -> opened(s, f, reused));
        }
    }

    private void opened(H2Stream s, Future<Http2StreamChannel> f, boolean reused) {
        if (f.isSuccess()) {
            s.opened(reused);
        } else {
            s.openFailed(f.cause());
        }
    }

    /** A stream of this connection closed (its channel is inactive). */
    void streamClosed() {
        active--;
        if (active > 0) {
            pool.serveStreams();
            return;
        }
        if (state == State.GOING_AWAY || pool.isRetired()) {
            channel.close();
            return;
        }
        pool.serveStreams();
        armIdleTimer();
    }

    /** With no stream open, the connection closes after the idle timeout unless a stream starts first. */
    private void armIdleTimer() {
        if (active == 0 && state == State.READY && idleTimer == null) {
            long idle = pool.settings().idleTimeoutNanos();
            idleTimer = channel.eventLoop().schedule(this::closeIfIdle, idle, TimeUnit.NANOSECONDS);
        }
    }

    /** Closes the connection if no stream is open (idle timeout, retired endpoint). */
    void closeIfIdle() {
        idleTimer = null;
        if (active == 0 && state != State.CONNECTING) {
            channel.close();
        }
    }

    private void cancelIdleTimer() {
        ScheduledFuture<?> t = idleTimer;
        if (t != null) {
            idleTimer = null;
            t.cancel(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // The handshake and the peer's SETTINGS are due within the connect timeout.
        ctx.executor().schedule(() -> {
            if (state == State.CONNECTING) {
                fail(UpstreamListener.ConnectFailure.TIMEOUT, null);
            }
        }, pool.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (!hs.isSuccess()) {
                fail(UpstreamListener.ConnectFailure.TLS, hs.cause());
            } else if (!ApplicationProtocolNames.HTTP_2.equals(ctx.pipeline().get(SslHandler.class)
                    .applicationProtocol())) {
                fail(UpstreamListener.ConnectFailure.TLS,
                        new SSLHandshakeException("the upstream did not agree to h2 by ALPN"));
            } else if (state == State.CONNECTING) {
                addHttp2(ctx.pipeline(), ctx.name());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void fail(UpstreamListener.ConnectFailure failure, Throwable cause) {
        if (state == State.CONNECTING) {
            state = State.CLOSED;
            channel.close();
            pool.h2Closed(this, failure, cause);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame s) {
                Long max = s.settings().maxConcurrentStreams();
                if (max != null) {
                    maxStreams = max;
                } else if (state == State.CONNECTING) {
                    maxStreams = Integer.MAX_VALUE;
                }
                if (state == State.CONNECTING && (ctx.pipeline().get(SslHandler.class) == null
                        || ctx.pipeline().get(SslHandler.class).handshakeFuture().isSuccess())) {
                    state = State.READY;
                    ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(
                            CONNECTION_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE), ctx.voidPromise());
                }
                pool.serveStreams();
                armIdleTimer();
            } else if (msg instanceof Http2GoAwayFrame g) {
                goAwayLastStreamId = g.lastStreamId();
                if (state != State.CLOSED) {
                    state = State.GOING_AWAY;
                }
                if (active == 0) {
                    ctx.close();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelIdleTimer();
        if (state == State.CLOSED) {
            return;
        }
        boolean wasConnecting = state == State.CONNECTING;
        state = State.CLOSED;
        pool.h2Closed(this, wasConnecting ? UpstreamListener.ConnectFailure.REFUSED : null, null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (state == State.CONNECTING && cause.getCause() instanceof javax.net.ssl.SSLException) {
            fail(UpstreamListener.ConnectFailure.TLS, cause.getCause());
        }
        ctx.close();
    }

    /** Push is disabled in the gateway's SETTINGS; a stream the peer opens anyway is reset at once. */
    @ChannelHandler.Sharable
    private static final class RefusePushedStreams extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }
}
