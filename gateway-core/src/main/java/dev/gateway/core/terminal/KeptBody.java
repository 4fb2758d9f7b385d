package dev.gateway.core.terminal;

import dev.gateway.core.upstream.UpstreamStream;
import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayDeque;

/**
 * A request body kept for a retry (up to {@link RetryPolicy#keepsBodyUpTo}): each piece is written upstream as a
 * retained duplicate while this holds the piece itself, so that a retry can send the body again. A body that grows
 * past the limit (a streamed one) is let go at once and never sent twice. Owned by one {@link UpstreamCall}, on its
 * event loop.
 */
final class KeptBody {
    private final long limit;
    private ArrayDeque<HttpContent> pieces = new ArrayDeque<>(4);
    private long bytes;

    KeptBody(long limit) {
        this.limit = limit;
    }

    /**
     * Writes {@code piece} upstream (which owns it from now on) and keeps it; false when the body grew past the limit:
     * then nothing is kept any more, and the caller drops this.
     */
    boolean send(UpstreamStream c, HttpContent piece) {
        bytes += piece.content().readableBytes();
        if (bytes > limit) {
            // Too big to keep (a streamed body): this request is not sent twice.
            release();
            c.write(piece);
            return false;
        }
        pieces.addLast(piece.touch("kept for a retry"));
        c.write(piece.retainedDuplicate()); // the write releases the duplicate; this keeps the piece
        return true;
    }

    /** Writes what is kept upstream again (a retry's attempt). */
    void resend(UpstreamStream c) {
        for (HttpContent k : pieces) {
            c.write(k.retainedDuplicate()); // the write releases the duplicate; this keeps k
        }
    }

    /** Lets go of the kept pieces (no retry from here on). Idempotent. */
    void release() {
        ArrayDeque<HttpContent> k = pieces;
        if (k != null) {
            pieces = null;
            HttpContent p;
            while ((p = k.pollFirst()) != null) {
                p.release();
            }
        }
    }
}
