package dev.gateway.server.netty;

import dev.gateway.core.config.ServerConfig;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * The proxy listener's pipeline: {@code request decoder → ProxyHandler}. There is no response encoder: ProxyHandler
 * writes response bytes itself ({@link Http1Writer}), forwarding upstream header lines as received. The decoder
 * enforces the
 * request-line and header limits and rejects malformed messages (invalid chunked coding, Content-Length together
 * with Transfer-Encoding, differing duplicate Content-Length); {@link ProxyHandler} turns those into 4xx answers.
 */
public final class ProxyInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyState state;
    private final HttpDecoderConfig decoderConfig;

    public ProxyInitializer(ProxyState state) {
        this.state = state;
        ServerConfig s = state.server();
        this.decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(s.maxInitialLineLength())
                .setMaxHeaderSize(s.maxHeaderSize())
                .setMaxChunkSize(64 * 1024)
                // Header names and values are checked once per request head by ProxyHandler (HeaderNames), so the
                // headers the gateway sets itself are not re-validated on every set.
                .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
                .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ProxyHandler proxy = new ProxyHandler(state);
        ch.pipeline()
                .addLast("decoder", new HttpRequestDecoder(decoderConfig.clone()))
                .addLast("proxy", proxy);
    }

    /** Asks the connection's handler to drain (runs on its loop). */
    public static void drain(io.netty.channel.Channel ch) {
        ProxyHandler h = ch.pipeline().get(ProxyHandler.class);
        if (h != null) {
            ch.eventLoop().execute(h::drain);
        }
    }
}
