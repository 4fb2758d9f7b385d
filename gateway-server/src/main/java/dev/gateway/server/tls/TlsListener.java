package dev.gateway.server.tls;

import dev.gateway.server.http1.Http1Initializer;
import dev.gateway.server.http1.ProxyState;
import dev.gateway.server.http2.Http2Floods;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS listener's pipeline: {@code plaintext check -> SNI (picks the certificate, then becomes the TLS handler)
 * -> handshake observer -> ALPN}, and after the handshake the protocol's own handlers ({@link Alpn}), for HTTP/1.1 the
 * same decoder and handler as the cleartext listener, so every filter, terminal and metric works unchanged. The
 * certificates in force are one {@link AtomicReference} that the SNI mapping reads per handshake; a reload swaps it
 * and open connections keep the context they were accepted with.
 */
public final class TlsListener extends ChannelInitializer<SocketChannel> {
    private final AtomicReference<TlsContexts> contexts;
    private final TlsMetrics metrics;
    private final Http1Initializer http1;
    private final ProxyState state;
    private final Http2Floods floods;
    private final AsyncMapping<String, SslContext> mapping;

    public TlsListener(TlsContexts initial, TlsMetrics metrics, Http1Initializer http1, ProxyState state,
            Http2Floods floods) {
        this.contexts = new AtomicReference<>(initial);
        this.metrics = metrics;
        this.http1 = http1;
        this.state = state;
        this.floods = floods;
        this.mapping = this::select;
    }

    /** The certificates for new handshakes from now on. Called on the reload thread. */
    public void swap(TlsContexts next) {
        contexts.set(next);
    }

    public TlsContexts current() {
        return contexts.get();
    }

    private Future<SslContext> select(String hostname, Promise<SslContext> promise) {
        SslContext c = contexts.get().select(hostname);
        return c != null ? promise.setSuccess(c) : promise.setFailure(new UnknownSniException(hostname));
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        long timeout = contexts.get().config().handshakeTimeout().toMillis();
        ch.pipeline()
                .addLast("tls-plaintext", new PlaintextDetector())
                .addLast("tls-sni", new SniHandler(mapping, timeout))
                .addLast("tls-observer", new HandshakeObserver(metrics))
                .addLast("tls-alpn", new AlpnHandler(http1, state, floods));
    }

    /** Continues the pipeline for the negotiated protocol; a failed handshake closes quietly (the observer counted). */
    private static final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
        private final Http1Initializer http1;
        private final ProxyState state;
        private final Http2Floods floods;

        AlpnHandler(Http1Initializer http1, ProxyState state, Http2Floods floods) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.http1 = http1;
            this.state = state;
            this.floods = floods;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            Alpn.configurePipeline(protocol, ctx, http1, state, floods);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
