package dev.gateway.server.tls;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.server.http1.Http1Initializer;
import dev.gateway.server.http1.ProxyState;
import dev.gateway.server.http2.Http2ClientConnection;
import dev.gateway.server.http2.Http2Floods;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.List;

/**
 * The seam where application protocols plug into the TLS listener: what ALPN advertises, and what the pipeline
 * becomes for the protocol the handshake settled on: {@code h2} first when {@code server.http2.enabled}, then
 * {@code http/1.1}.
 */
public final class Alpn {
    private Alpn() {}

    /** The protocols the TLS listener advertises, most preferred first. */
    public static List<String> advertised(ServerConfig server) {
        return server.http2().enabled() ? List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1)
                : List.of(ApplicationProtocolNames.HTTP_1_1);
    }

    /**
     * After a successful handshake: continues the pipeline behind {@code ctx} (the ALPN handler, removed right after)
     * for {@code protocol} (the negotiated one, or http/1.1 when the client offered none). Runs on the event loop.
     */
    static void configurePipeline(String protocol, ChannelHandlerContext ctx, Http1Initializer http1,
            ProxyState state, Http2Floods floods) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            Http2ClientConnection.installAfterTls(ctx, state, floods);
        } else {
            http1.continueAfterTls(ctx); // http/1.1, or no ALPN at all
        }
    }
}
