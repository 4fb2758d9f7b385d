package dev.gateway.server.http1;

import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * What a client pipelined behind the request being answered: the decoded objects in arrival order, and how many
 * requests they hold. Made only for connections that pipeline. Confined to the channel's event loop.
 */
final class PipelinedRequests {
    /** Hard cap on queued objects decoded from what was already read (auto-read stops far earlier). */
    private static final int MAX_OBJECTS = 1024;

    private final ArrayDeque<HttpObject> objects = new ArrayDeque<>(8);
    private int requests;

    boolean isEmpty() {
        return objects.isEmpty();
    }

    /** Requests queued. */
    int requests() {
        return requests;
    }

    /** Queues {@code obj}; false (and {@code obj} released) when the hard cap is reached: the caller closes. */
    boolean add(HttpObject obj) {
        if (objects.size() >= MAX_OBJECTS) {
            ReferenceCountUtil.release(obj);
            return false;
        }
        objects.addLast(obj);
        if (obj instanceof HttpRequest) {
            requests++;
        }
        return true;
    }

    HttpObject poll() {
        HttpObject o = objects.pollFirst();
        if (o instanceof HttpRequest) {
            requests--;
        }
        return o;
    }

    /** True if the next object starts a request (else it is body of the request before it). */
    boolean nextIsRequest() {
        return objects.peekFirst() instanceof HttpRequest;
    }

    void releaseAll() {
        HttpObject o;
        while ((o = objects.pollFirst()) != null) {
            ReferenceCountUtil.release(o);
        }
        requests = 0;
    }
}
