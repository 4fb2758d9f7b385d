package dev.gateway.server.http1;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.runtime.Snapshot;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;

/**
 * The proxy listener's pipeline: {@code TLS check -> request decoder -> Http1ServerHandler} (the first leaves after
 * the first bytes, see {@link TlsOnCleartextHandler}); the TLS listener continues its pipeline with the same two
 * after the handshake ({@link #continueAfterTls}). There is no response encoder: the
 * handler writes response bytes itself ({@link Http1Writer}), forwarding upstream header lines as received. The
 * decoder ({@link Http1RequestDecoder}) enforces the request-line and header limits, the exact HTTP version syntax, and
 * rejects malformed messages (invalid chunked coding,
 * Content-Length together with Transfer-Encoding, differing duplicate Content-Length); the handler turns those into
 * 4xx answers. A new connection takes the limits of the configuration in force when it is accepted.
 */
public final class Http1Initializer extends ChannelInitializer<SocketChannel> {
    /** The name of the HTTP/1.1 handler in the pipeline (what comes before it is HTTP/1.1 decoding). */
    public static final String HANDLER = "proxy";

    private final ProxyState state;
    /** The decoder settings of the last server section seen (rebuilt only when a reload changes it). */
    private volatile DecoderSettings decoder;

    private record DecoderSettings(ServerConfig server, HttpDecoderConfig config) {}

    public Http1Initializer(ProxyState state) {
        this.state = state;
    }

    private HttpDecoderConfig decoderConfig(ServerConfig s) {
        DecoderSettings d = decoder;
        if (d == null || d.server() != s) {
            HttpDecoderConfig c = new HttpDecoderConfig()
                    .setMaxInitialLineLength(s.maxInitialLineLength())
                    .setMaxHeaderSize(s.maxHeaderSize())
                    .setMaxChunkSize(64 * 1024)
                    // Header names and values are checked once per request head by the handler (HeaderNames), so
                    // the headers the gateway sets itself are not re-validated on every set.
                    .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
                    .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
            d = new DecoderSettings(s, c);
            decoder = d;
        }
        return d.config();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        Snapshot snapshot = state.config().get();
        ch.pipeline()
                .addLast("tls-on-cleartext", new TlsOnCleartextHandler())
                .addLast("decoder", new Http1RequestDecoder(decoderConfig(snapshot.config().server())))
                .addLast(HANDLER, new Http1ServerHandler(state, snapshot));
    }

    /**
     * The TLS listener's handshake is done and HTTP/1.1 was negotiated: the same decoder and handler follow
     * {@code ctx} (the ALPN handler) as on the cleartext listener, and learn that the connection is up (its
     * channelActive fired before they were there). Runs on the event loop.
     */
    public void continueAfterTls(ChannelHandlerContext ctx) {
        Snapshot snapshot = state.config().get();
        ctx.pipeline()
                .addAfter(ctx.name(), "proxy", new Http1ServerHandler(state, snapshot))
                .addAfter(ctx.name(), "decoder", new Http1RequestDecoder(decoderConfig(snapshot.config().server())));
        ctx.fireChannelActive();
    }

    /**
     * The connection turned out to speak another protocol (an HTTP/2 preface): the HTTP/1.1 decoder and handler leave
     * its pipeline, their timers stopped. The connection stays counted; whoever takes it over uncounts it when it
     * closes. Returns false if the connection was already being refused or closed (nothing is handed over then).
     * Called on the channel's event loop.
     */
    public static boolean handOver(Channel ch) {
        Http1ServerHandler h = ch.pipeline().get(Http1ServerHandler.class);
        if (h == null || !h.handOver()) {
            return false;
        }
        ch.pipeline().remove(h);
        ch.pipeline().remove(Http1RequestDecoder.class);
        return true;
    }

    /** Asks the connection's handler to drain (runs on its loop). */
    public static void drain(Channel ch) {
        Http1ServerHandler h = ch.pipeline().get(Http1ServerHandler.class);
        if (h != null) {
            ch.eventLoop().execute(h::drain);
        }
    }
}
