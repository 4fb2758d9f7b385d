package dev.gateway.core.terminal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * Where an in-process exchange's response is collected (see {@link InProcess}): in memory, up to
 * {@link #maxResponseBytes()}. Called on the event loop.
 */
public interface ItemSink {

    /** The most response body bytes to keep; a larger body is dropped and reported as {@link Outcome#TOO_LARGE}. */
    long maxResponseBytes();

    /** How an item's exchange ended. */
    enum Outcome {
        /** A complete response, forwarded or made by the gateway. */
        COMPLETE,
        /** The response body was larger than {@link #maxResponseBytes()}. */
        TOO_LARGE,
        /** The response was cut short (the upstream died mid-body, or the item was cancelled). */
        ABORTED
    }

    /**
     * The item's exchange ended (its access-log line and metrics are recorded). Called exactly once. {@code headers}
     * are the response headers (hop-by-hop ones removed), {@code body} the complete body (owned by the sink from now
     * on) or null when there is none or the outcome is not {@link Outcome#COMPLETE}.
     */
    void itemEnded(Outcome outcome, int status, HttpHeaders headers, ByteBuf body);
}
