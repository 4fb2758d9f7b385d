package dev.gateway.core.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayDeque;

/**
 * Request body pieces waiting for the terminal (the upstream connection is not ready yet), or collected whole for
 * filters that read the body. Owns the pieces until they are polled or released. Made only when a piece must wait.
 */
final class PendingBody {
    private final ArrayDeque<HttpContent> pieces = new ArrayDeque<>(4);
    private long bytes;

    void add(HttpContent piece) {
        pieces.addLast(piece);
        bytes += piece.content().readableBytes();
    }

    /** The next piece (the caller owns it), or null. */
    HttpContent poll() {
        HttpContent c = pieces.pollFirst();
        if (c != null) {
            bytes -= c.content().readableBytes();
        }
        return c;
    }

    long bytes() {
        return bytes;
    }

    /** A copy of every byte queued, in order (the pieces stay queued). */
    byte[] copy() {
        byte[] out = new byte[(int) bytes];
        int at = 0;
        for (HttpContent piece : pieces) {
            ByteBuf b = piece.content();
            int n = b.readableBytes();
            b.getBytes(b.readerIndex(), out, at, n);
            at += n;
        }
        return out;
    }

    void releaseAll() {
        HttpContent p;
        while ((p = pieces.pollFirst()) != null) {
            p.release();
        }
        bytes = 0;
    }
}
