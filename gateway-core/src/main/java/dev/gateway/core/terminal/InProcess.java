package dev.gateway.core.terminal;

import dev.gateway.core.http.GatewayError;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Runs requests in process, inside the exchange whose terminal asked ({@link TerminalExchange#inProcess()}): a batch
 * call's items. Each item is an exchange of its own on the outer request's event loop and snapshot, with the outer
 * client's address and app; it is routed, runs its route's filters and terminal, and its response is collected by
 * an {@link ItemSink} instead of being written to a connection. Used on the event loop only.
 */
public interface InProcess {

    /**
     * Starts {@code request} (origin-form target, its own headers) as an in-process exchange whose response goes to
     * {@code sink}, maybe before this returns. {@code body} (owned by the item from now on) is the complete request
     * body, or null for none; {@code requestId} is the item's id (the access log, X-Request-Id upstream).
     */
    Item start(HttpRequest request, ByteBuf body, String requestId, ItemSink sink);

    /** One running item. */
    interface Item {

        /** Its time is up: it answers {@code error} if its response has not started, else it is cut short. */
        void expire(GatewayError error);

        /** The outer request is gone: abandon the item (it is logged as 499, like a client that went away). */
        void cancel();
    }
}
