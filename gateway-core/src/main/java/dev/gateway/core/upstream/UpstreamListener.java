package dev.gateway.core.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives the events of one upstream exchange. Every method is called on the event loop that owns the
 * connection, which is the loop of the client channel that asked for it.
 */
public interface UpstreamListener {

    /** A connection is ready for this exchange; {@code reused} is true when it came from the idle pool. */
    void onConnected(UpstreamConnection connection, boolean reused);

    /** No connection: refused, timed out connecting, or the pool's pending queue is full. */
    void onConnectFailed(ConnectFailure failure, Throwable cause);

    /** The response head; the body follows as {@link #onResponseContent}. */
    void onResponseHead(HttpResponse response);

    /** A piece of the body; ownership passes to the listener. The last piece is a {@code LastHttpContent}. */
    void onResponseContent(HttpContent content);

    /** The upstream socket read batch ended: the time to flush what was forwarded to the client. */
    void onUpstreamReadComplete();

    /** The upstream connection's writability changed (request-body back-pressure). */
    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection closed or failed while bound to this exchange; {@code cause} is null for a plain close. */
    void onUpstreamClosed(Throwable cause);

    enum ConnectFailure { REFUSED, TIMEOUT, OVERLOADED }
}
