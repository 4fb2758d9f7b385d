package dev.gateway.server.tls;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.server.http1.Http1Initializer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import java.util.List;

/**
 * The seam where application protocols plug into the TLS listener: what ALPN advertises, and what the pipeline
 * becomes for the protocol the handshake settled on. HTTP/1.1 only for now; HTTP/2 adds {@code h2} to
 * {@link #advertised} (first, in preference order) and a branch to {@link #configurePipeline}.
 */
public final class Alpn {
    private Alpn() {}

    /** The protocols the TLS listener advertises, most preferred first. */
    public static List<String> advertised(ServerConfig server) {
        return List.of(ApplicationProtocolNames.HTTP_1_1);
    }

    /**
     * After a successful handshake: continues the pipeline behind {@code ctx} (the ALPN handler, removed right after)
     * for {@code protocol} (the negotiated one, or http/1.1 when the client offered none). Runs on the event loop.
     */
    static void configurePipeline(String protocol, ChannelHandlerContext ctx, Http1Initializer http1) {
        // Only http/1.1 is advertised, so it is the only protocol a client can have negotiated.
        http1.continueAfterTls(ctx);
    }
}
