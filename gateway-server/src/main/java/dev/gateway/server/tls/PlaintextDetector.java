package dev.gateway.server.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First in a TLS connection's pipeline: looks at the first record header (5 bytes) and, when it is not TLS (plain
 * HTTP sent to the TLS port), answers {@code 400} with a short JSON body and closes, as nginx does ("The plain HTTP
 * request was sent to HTTPS port"), instead of a handshake error the client can't read. TLS passes on untouched and
 * the detector leaves the pipeline.
 */
final class PlaintextDetector extends ByteToMessageDecoder {
    private static final byte[] BODY = ("{\"error\":\"plain_http_to_https_port\",\"message\":\"The plain HTTP request "
            + "was sent to HTTPS port\"}").getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf RESPONSE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer((
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: " + BODY.length
                    + "\r\nconnection: close\r\n\r\n" + new String(BODY, StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 5) {
            return; // a record header is 5 bytes; the handshake timeout bounds the wait
        }
        if (SslHandler.isEncrypted(in, false)) {
            ctx.pipeline().remove(this); // hands what it holds to the SNI handler
            return;
        }
        in.skipBytes(in.readableBytes());
        ctx.fireUserEventTriggered(HandshakeResult.PLAINTEXT); // the observer counts it
        ctx.channel().config().setAutoRead(false);
        ctx.writeAndFlush(RESPONSE.duplicate()).addListener(ChannelFutureListener.CLOSE);
    }
}
