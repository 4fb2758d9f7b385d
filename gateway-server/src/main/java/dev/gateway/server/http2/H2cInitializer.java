package dev.gateway.server.http2;

import dev.gateway.core.config.Http2Config;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.http1.Http1Initializer;
import dev.gateway.server.http1.ProxyState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The cleartext listener's pipeline: HTTP/1.1 ({@link Http1Initializer}), and, when {@code server.http2.cleartext}
 * allows h2c, a detector in front of it that looks at the first bytes of the connection. If they are the HTTP/2
 * preface ({@code PRI * HTTP/2.0}...), the HTTP/1.1 handlers leave and the connection speaks HTTP/2
 * ({@link Http2ClientConnection}); otherwise the detector leaves and HTTP/1.1 reads the bytes as usual. With
 * {@code upgrade}, a first HTTP/1.1 request with {@code Upgrade: h2c} (and {@code HTTP2-Settings}) is answered 101
 * and served as stream 1 (Netty's upgrade handler and codec). With h2c off, there is no detector and a preface gets
 * HTTP/1.1's 505. A new connection takes the setting in force.
 */
public final class H2cInitializer extends ChannelInitializer<SocketChannel> {
    private static final AsciiString H2C = AsciiString.of("h2c");
    /** The most body an upgrade request may carry (it is held until the switch). */
    private static final int UPGRADE_BODY_LIMIT = 64 * 1024;

    private final Http1Initializer http1;
    private final ProxyState state;
    private final Http2Floods floods;

    public H2cInitializer(Http1Initializer http1, ProxyState state, Http2Floods floods) {
        this.http1 = http1;
        this.state = state;
        this.floods = floods;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        Snapshot snapshot = state.config().get();
        ch.pipeline().addLast(http1);
        Http2Config.Cleartext mode = snapshot.config().server().http2().cleartext();
        if (mode != Http2Config.Cleartext.OFF) {
            ch.pipeline().addFirst("h2c-preface", new PrefaceDetector(snapshot));
        }
        if (mode == Http2Config.Cleartext.UPGRADE) {
            // A first request with Upgrade: h2c is answered 101 and becomes stream 1 of an HTTP/2 connection; any
            // other first request passes on to HTTP/1.1, and the upgrade handler leaves.
            ch.pipeline().addBefore(Http1Initializer.HANDLER, "h2c-101", new SwitchingProtocolsEncoder());
            ch.pipeline().addBefore(Http1Initializer.HANDLER, "h2c-upgrade",
                    new H2cUpgradeHandler(new Upgrade(ch, snapshot)));
            ch.pipeline().addBefore(Http1Initializer.HANDLER, "h2c-split", new SplitRefusedUpgrade());
        }
    }

    /**
     * Encodes the one response the upgrade handler writes itself ({@code 101 Switching Protocols}, or its refusal of
     * an oversized upgrade request); the HTTP/1.1 handler's own bytes pass through untouched.
     */
    private static final class SwitchingProtocolsEncoder extends HttpResponseEncoder {
        @Override
        public boolean acceptOutboundMessage(Object msg) {
            return msg instanceof FullHttpResponse;
        }
    }

    /**
     * An h2c upgrade request that was not switched (a malformed HTTP2-Settings, say) leaves the upgrade handler
     * aggregated; the HTTP/1.1 handler reads a request as its head and then its content.
     */
    private static final class SplitRefusedUpgrade extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest full) {
                DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(),
                        full.headers());
                head.setDecoderResult(full.decoderResult());
                ctx.fireChannelRead(head);
                ctx.fireChannelRead(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    /** Netty's upgrade handler for h2c only: a WebSocket handshake and every other request are left to HTTP/1.1. */
    private static final class H2cUpgradeHandler extends HttpServerUpgradeHandler {
        H2cUpgradeHandler(Upgrade upgrade) {
            super(upgrade, upgrade, UPGRADE_BODY_LIMIT, DefaultHttpHeadersFactory.headersFactory(),
                    DefaultHttpHeadersFactory.trailersFactory(), true);
        }

        @Override
        protected boolean shouldHandleUpgradeRequest(HttpRequest req) {
            for (String token : req.headers().get(HttpHeaderNames.UPGRADE, "").split(",")) {
                if (token.trim().equalsIgnoreCase("h2c")) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The switch itself: the HTTP/2 handlers for an {@code h2c} upgrade, and, once the 101 is encoded, the HTTP/1.1
     * handlers leaving and the idle timer going in before the codec.
     */
    private final class Upgrade implements HttpServerUpgradeHandler.SourceCodec,
            HttpServerUpgradeHandler.UpgradeCodecFactory {
        private final SocketChannel channel;
        private final Snapshot snapshot;
        private Http2ClientConnection.Handlers handlers;

        Upgrade(SocketChannel channel, Snapshot snapshot) {
            this.channel = channel;
            this.snapshot = snapshot;
        }

        @Override
        public HttpServerUpgradeHandler.UpgradeCodec newUpgradeCodec(CharSequence protocol) {
            if (!AsciiString.contentEqualsIgnoreCase(protocol, H2C)) {
                return null;
            }
            handlers = Http2ClientConnection.handlers(channel, state, snapshot, floods);
            return new Http2ServerUpgradeCodec(handlers.codec(), handlers.after());
        }

        @Override
        public void upgradeFrom(ChannelHandlerContext ctx) {
            if (!Http1Initializer.handOver(ctx.channel())) {
                ctx.close(); // the connection was being refused
                return;
            }
            ctx.pipeline().remove(SwitchingProtocolsEncoder.class);
            ctx.pipeline().addBefore(ctx.name(), "h2-idle", handlers.idle());
        }
    }

    /** Waits for as many bytes as the preface has, or the first that differs. */
    private final class PrefaceDetector extends ByteToMessageDecoder {
        private final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        private final Snapshot snapshot;

        PrefaceDetector(Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), preface.readableBytes());
            if (!ByteBufUtil.equals(in, in.readerIndex(), preface, preface.readerIndex(), n)) {
                ctx.pipeline().remove(this); // HTTP/1.1: the bytes read so far go to its decoder
                return;
            }
            if (n < preface.readableBytes()) {
                return;
            }
            if (!Http1Initializer.handOver(ctx.channel())) {
                in.skipBytes(in.readableBytes()); // the connection is being refused or closed
                return;
            }
            Http2ClientConnection.install(ctx.channel(), state, snapshot, floods);
            ctx.pipeline().remove(this); // the preface and what follows go to the HTTP/2 codec
        }

        @Override
        protected void handlerRemoved0(ChannelHandlerContext ctx) {
            preface.release();
        }
    }
}
