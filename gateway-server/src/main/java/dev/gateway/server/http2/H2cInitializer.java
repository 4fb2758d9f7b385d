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
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;

/**
 * The cleartext listener's pipeline: HTTP/1.1 ({@link Http1Initializer}), and, when {@code server.http2.cleartext}
 * allows h2c, a detector in front of it that looks at the first bytes of the connection. If they are the HTTP/2
 * preface ({@code PRI * HTTP/2.0}...), the HTTP/1.1 handlers leave and the connection speaks HTTP/2
 * ({@link Http2ClientConnection}); otherwise the detector leaves and HTTP/1.1 reads the bytes as usual. With h2c
 * off, there is no detector and a preface gets HTTP/1.1's 505. A new connection takes the setting in force.
 */
public final class H2cInitializer extends ChannelInitializer<SocketChannel> {
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
        if (snapshot.config().server().http2().cleartext() != Http2Config.Cleartext.OFF) {
            ch.pipeline().addFirst("h2c-preface", new PrefaceDetector(snapshot));
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
