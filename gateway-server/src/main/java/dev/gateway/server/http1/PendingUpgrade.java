package dev.gateway.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * A WebSocket handshake being forwarded on a client connection, until the upstream answers it: nothing the client
 * sends after the handshake's head is parsed as HTTP, and what it sends (it should send nothing) is held for the
 * upstream, up to a limit. Made only for a handshake; confined to the channel's event loop.
 */
final class PendingUpgrade {
    /** Bytes a client may send after a WebSocket handshake before it is answered. */
    static final int MAX_HELD = 64 * 1024;

    private CompositeByteBuf held;

    /**
     * After the handshake's head: the request decoder leaves the pipeline, so nothing the client sends next is parsed
     * as HTTP; the bytes it still held come to the handler's channelRead as a buffer right away (Netty's decoder
     * passes them on when removed), and are held with anything read later until the upstream answers.
     */
    static void stopParsing(ChannelHandlerContext ctx) {
        if (ctx.pipeline().get(HttpRequestDecoder.class) != null) {
            ctx.pipeline().remove(HttpRequestDecoder.class);
        }
    }

    /** Holds {@code bytes} for the upstream; false (everything released) once over {@link #MAX_HELD}: close. */
    boolean hold(ChannelHandlerContext ctx, ByteBuf bytes) {
        if (held == null) {
            held = ctx.alloc().compositeBuffer();
        }
        held.addComponent(true, bytes);
        if (held.readableBytes() > MAX_HELD) {
            release();
            return false;
        }
        return true;
    }

    /** What was held (the caller owns it from now on), or null. */
    ByteBuf take() {
        ByteBuf h = held;
        held = null;
        return h;
    }

    void release() {
        if (held != null) {
            held.release();
            held = null;
        }
    }
}
