package dev.gateway.server.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Behind the SNI and TLS handlers until the handshake ends: counts its outcome once ({@link HandshakeResult}), and
 * closes the connection on any failure without logging above DEBUG (a failed handshake is the client's problem, and
 * scanners make many). Leaves the pipeline when the handshake succeeds.
 */
final class HandshakeObserver extends ChannelInboundHandlerAdapter {
    private static final Logger logger = LoggerFactory.getLogger(HandshakeObserver.class);

    private final TlsMetrics metrics;
    private boolean counted;

    HandshakeObserver(TlsMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeResult r) {
            count(r); // from the plaintext check
            return;
        }
        if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
            failed(ctx, sni.cause());
        } else if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                count(HandshakeResult.OK);
                ctx.fireUserEventTriggered(evt);
                ctx.pipeline().remove(this);
                return;
            }
            failed(ctx, done.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(ctx, cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        count(HandshakeResult.CLOSED);
        ctx.fireChannelInactive();
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        if (!counted) {
            HandshakeResult r = HandshakeResult.of(cause);
            logger.debug("TLS handshake with {} failed ({}): {}", ctx.channel().remoteAddress(), r.tag(),
                    cause.toString());
            count(r);
        }
    }

    private void count(HandshakeResult r) {
        if (!counted) {
            counted = true;
            metrics.handshake(r);
        }
    }
}
