package dev.gateway.server.http2;

import dev.gateway.core.config.Http2Config;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.http1.ProxyState;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP/2 client connection: Netty's frame codec, with every limit of {@code server.http2} set explicitly, and its
 * multiplexer, which gives each stream a child channel served by an {@link Http2StreamHandler}. This handler sits last
 * on the connection: it closes it when idle (no open stream for {@code server.idle-timeout}), closes it gracefully on
 * drain (GOAWAY, then the open streams finish, up to {@code server.drain-timeout}), and uncounts it when it closes.
 * Confined to the connection's event loop.
 */
public final class Http2ClientConnection extends ChannelDuplexHandler {
    private static final Logger logger = LoggerFactory.getLogger(Http2ClientConnection.class);

    private final ProxyState state;
    private final Http2FrameCodec codec;

    private final int extraWindow;

    private Http2ClientConnection(ProxyState state, Http2FrameCodec codec, int extraWindow) {
        this.state = state;
        this.codec = codec;
        this.extraWindow = extraWindow;
    }

    /**
     * An HTTP/2 connection's handlers in pipeline order: the idle timer (on the bytes), the codec, and what follows it.
     */
    record Handlers(ChannelHandler idle, Http2FrameCodec codec, ChannelHandler[] after) {}

    /** The handlers for {@code ch} with the settings of {@code snapshot}; called on the channel's loop. */
    static Handlers handlers(Channel ch, ProxyState state, Snapshot snapshot, Http2Floods floods) {
        ServerConfig server = snapshot.config().server();
        Http2Config c = server.http2();
        Http2Settings settings = new Http2Settings()
                .maxConcurrentStreams(c.maxConcurrentStreams())
                .maxHeaderListSize(c.maxHeaderListSize())
                .initialWindowSize(c.initialWindowSize());
        int resets = c.maxResets().count();
        int window = c.maxResets().windowSeconds();
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .decoderEnforceMaxRstFramesPerWindow(resets, window)
                .encoderEnforceMaxRstFramesPerWindow(resets, window)
                .decoderEnforceMaxConsecutiveEmptyDataFrames(c.maxEmptyDataFrames())
                .decoderEnforceMaxSmallContinuationFrames(c.maxSmallContinuationFrames())
                .encoderEnforceMaxQueuedControlFrames(c.maxQueuedControlFrames())
                .gracefulShutdownTimeoutMillis(server.drainTimeout().toMillis())
                .frameLogger(new FloodWatch(floods))
                .build();
        Http2Peer peer = Http2Peer.of(ch, snapshot, state);
        PrematureResets premature = new PrematureResets(ch, c.prematureResets());
        // The connection's receive window beyond the 65,535 bytes every connection starts with: a stream whose
        // upstream is slow holds its window, and must not hold the other streams' (RFC 9113 6.9.2).
        int extraWindow = (int) (Math.min(Integer.MAX_VALUE, 4L * c.initialWindowSize()) - 65_535);
        return new Handlers(new IdleStateHandler(0, 0, server.idleTimeout().toNanos(), TimeUnit.NANOSECONDS), codec,
                new ChannelHandler[] {
            new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline().addLast(new Http2StreamHandler(state, peer, premature));
                }
            }),
            new Http2ClientConnection(state, codec, extraWindow)
        });
    }

    /**
     * Makes {@code ch} (already counted and in the proxy's connection group) an HTTP/2 connection, with the settings of
     * {@code snapshot}. The client's preface is read by the codec from the next bytes.
     */
    public static void install(Channel ch, ProxyState state, Snapshot snapshot, Http2Floods floods) {
        Handlers h = handlers(ch, state, snapshot, floods);
        ChannelPipeline p = ch.pipeline();
        p.addLast(h.idle());
        p.addLast(h.codec());
        for (ChannelHandler after : h.after()) {
            p.addLast(after);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (extraWindow > 0) {
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(extraWindow));
        }
    }

    /**
     * The TLS listener negotiated {@code h2}: the connection is counted (over {@code server.max-connections} it is
     * closed) and its HTTP/2 handlers follow {@code ctx} (the ALPN handler, which leaves right after). The client's
     * preface follows in the decrypted bytes. Runs on the event loop.
     */
    public static void installAfterTls(ChannelHandlerContext ctx, ProxyState state, Http2Floods floods) {
        Channel ch = ctx.channel();
        Snapshot snapshot = state.config().get();
        int max = snapshot.config().server().maxConnections();
        if (state.connectionCount().incrementAndGet() > max) {
            logger.debug("connection limit {} reached, closing h2 connection {}", max, ch.remoteAddress());
            state.connectionCount().decrementAndGet();
            ctx.close();
            return;
        }
        state.connections().add(ch);
        Handlers h = handlers(ch, state, snapshot, floods);
        ChannelPipeline p = ch.pipeline();
        String at = ctx.name();
        ChannelHandler[] all = new ChannelHandler[h.after().length + 2];
        all[0] = h.idle();
        all[1] = h.codec();
        System.arraycopy(h.after(), 0, all, 2, h.after().length);
        for (ChannelHandler handler : all) {
            String name = "h2-" + handler.getClass().getSimpleName();
            p.addAfter(at, name, handler);
            at = name;
        }
    }

    /** Asks the HTTP/2 connection of {@code ch}, if it is one, to close gracefully (runs on its loop). */
    public static void drain(Channel ch) {
        Http2ClientConnection h = ch.pipeline().get(Http2ClientConnection.class);
        if (h != null) {
            ch.eventLoop().execute(() -> ch.close());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
            logger.debug("HTTP/2 connection {} idle, closing", ctx.channel().remoteAddress());
            ctx.close(); // the codec sends GOAWAY first
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        state.connectionCount().decrementAndGet();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Protocol errors were answered by the codec already (RST_STREAM or GOAWAY); I/O errors end the connection.
        logger.debug("HTTP/2 connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        if (cause instanceof IOException) {
            ctx.close();
        }
    }
}
