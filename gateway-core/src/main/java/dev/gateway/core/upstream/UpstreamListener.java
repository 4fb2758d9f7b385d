package dev.gateway.core.upstream;

import io.netty.buffer.ByteBuf;

/**
 * Receives the events of one upstream exchange. Every method is called on the event loop that owns the
 * connection, which is the loop of the client channel that asked for it.
 */
public interface UpstreamListener {

    /** A connection is ready for this exchange; {@code reused} is true when it came from the idle pool. */
    void onConnected(UpstreamStream stream, boolean reused);

    /**
     * No connection: refused, timed out connecting, the pool's pending queue is full, or (https) the TLS handshake
     * failed: an untrusted, expired or wrong-host certificate, no agreement on h2, or a handshake timeout.
     */
    void onConnectFailed(ConnectFailure failure, Throwable cause);

    /**
     * A response head: interim (1xx other than 101) heads come first, then the final one. {@code head} is reused
     * by the connection and valid only during this call. The final head's body follows as
     * {@link #onResponseContent} calls and {@link #onResponseEnd}.
     */
    void onResponseHead(ResponseHead head);

    /**
     * A piece of the body, de-chunked: the {@code length} bytes of {@code in} from {@code index}. The connection
     * keeps ownership and moves past them afterwards: the listener copies them or takes a retained slice, and
     * leaves {@code in}'s indexes alone.
     */
    void onResponseContent(ByteBuf in, int index, int length);

    /**
     * The response is complete. {@code trailers}: the trailer lines of a chunked body to pass on (validated,
     * each ending in CRLF), owned by the listener, or null.
     */
    void onResponseEnd(ByteBuf trailers);

    /** The upstream socket read batch ended: the time to flush what was forwarded to the client. */
    void onUpstreamReadComplete();

    /** The upstream connection's writability changed (request-body back-pressure). */
    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection closed or failed while bound to this exchange; {@code cause} is null for a plain close. */
    void onUpstreamClosed(Throwable cause);

    enum ConnectFailure { REFUSED, TIMEOUT, OVERLOADED, TLS }
}
