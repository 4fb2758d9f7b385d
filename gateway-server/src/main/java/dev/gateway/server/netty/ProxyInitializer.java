package dev.gateway.server.netty;

import dev.gateway.core.config.ServerConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * The proxy listener's pipeline: {@code first-byte watcher → HTTP/1.1 codec → ProxyHandler}. The codec enforces the
 * request-line and header limits and rejects malformed messages (invalid chunked coding, Content-Length together
 * with Transfer-Encoding, differing duplicate Content-Length); {@link ProxyHandler} turns those into 4xx answers.
 */
public final class ProxyInitializer extends ChannelInitializer<SocketChannel> {
    /** Requests the codec may decode ahead of their responses; more in one read closes the connection. */
    private static final int MAX_PIPELINE_DEPTH = 128;

    private final ProxyState state;
    private final HttpDecoderConfig decoderConfig;

    public ProxyInitializer(ProxyState state) {
        this.state = state;
        ServerConfig s = state.server();
        this.decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxInitialLineLength())
                .setMaxHeaderSize(s.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ProxyHandler proxy = new ProxyHandler(state);
        ch.pipeline()
                .addLast("first-byte", new FirstByteWatcher(proxy))
                .addLast("codec", new HttpServerCodec(decoderConfig.clone(), MAX_PIPELINE_DEPTH))
                .addLast("proxy", proxy);
    }

    /** Tells the proxy handler that bytes arrived, so the header-read timeout can start at the first byte. */
    private static final class FirstByteWatcher extends ChannelInboundHandlerAdapter {
        private final ProxyHandler proxy;

        FirstByteWatcher(ProxyHandler proxy) {
            this.proxy = proxy;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            proxy.onBytesReceived();
            ctx.fireChannelRead(msg);
        }
    }

    /** Asks the connection's handler to drain (runs on its loop). */
    public static void drain(io.netty.channel.Channel ch) {
        ProxyHandler h = ch.pipeline().get(ProxyHandler.class);
        if (h != null) {
            ch.eventLoop().execute(h::drain);
        }
    }
}
