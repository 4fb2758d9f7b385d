package dev.gateway.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;

/**
 * First on a cleartext connection, for its first read only: a TLS ClientHello (a handshake record, first byte 0x16,
 * which no HTTP method starts with) is answered {@code 400} and closed at once, as nginx does, instead of waiting
 * for a request line that never comes until the header-read timeout. Anything else passes on, and the handler leaves
 * the pipeline.
 */
final class TlsOnCleartextHandler extends ChannelInboundHandlerAdapter {
    private static final int TLS_HANDSHAKE_RECORD = 0x16;
    private static final byte[] BODY = ("{\"error\":\"tls_to_http_port\",\"message\":\"a TLS handshake was sent to the "
            + "cleartext HTTP port\"}").getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf RESPONSE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer((
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: " + BODY.length
                    + "\r\nconnection: close\r\n\r\n" + new String(BODY, StandardCharsets.US_ASCII))
            .getBytes(StandardCharsets.US_ASCII)).asReadOnly());

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ctx.pipeline().remove(this);
        if (msg instanceof ByteBuf b && b.isReadable()
                && b.getUnsignedByte(b.readerIndex()) == TLS_HANDSHAKE_RECORD) {
            b.release();
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(RESPONSE.duplicate()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
