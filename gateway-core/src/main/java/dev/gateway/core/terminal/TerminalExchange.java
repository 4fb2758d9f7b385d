package dev.gateway.core.terminal;

import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What a {@link Terminal} sees of the exchange it answers: the request to send and where its response goes. The
 * exchange implements it; every method runs on {@link #loop()}.
 */
public interface TerminalExchange {

    EventLoop loop();

    CharSequence requestId();

    /** The request's context, for terminals that read what the filters decided (the app, headers). */
    RequestContext context();

    /** The upstream group a filter chose instead of the route's own (gray routing), or null. */
    UpstreamGroup upstreamOverride();

    /** The request as it goes upstream: path rewritten, hop-by-hop headers removed, forwarding headers set. */
    HttpRequest request();

    /** True if the request has a body (Content-Length above zero or chunked). */
    boolean hasBody();

    /** True once the last piece of the request body (or the bodyless request's end) has arrived. */
    boolean isRequestRead();

    /** The next queued request body piece (the caller owns it), or null. */
    HttpContent pollBody();

    /** The client side's flow (deadline wake-up, request-body pause, read batch, writability), reached directly. */
    ClientFlow clientFlow();

    /** The client asked for {@code 100 Continue}: send it now (once the upstream is ready for the body). */
    void sendContinueIfExpected();

    /** The target the request was sent to (for the access log). */
    void sentTo(Target target);

    // ----- the response

    /** The final response head from upstream ({@code head} is valid only during this call). */
    void responseHead(ResponseHead head, long upstreamNanos);

    /** A piece of the response body: {@code length} bytes of {@code in} from {@code index}, not to be kept. */
    void responseContent(ByteBuf in, int index, int length);

    /** The response is complete; {@code trailers} (owned by the exchange from now on) or null. */
    void responseEnd(ByteBuf trailers);

    /** The upstream's read batch ended: a moment to flush what was written to the client. */
    void upstreamReadComplete();

    /** A complete response made by the terminal itself (a mock). */
    void respond(GatewayResponse response);

    /** The terminal failed before any response byte was sent: answer with {@code error}. */
    void fail(GatewayError error);

    /** The terminal failed after the response started: the client connection must close to show the truncation. */
    void abort();

    /**
     * Runs in-process requests inside this exchange (a batch terminal's items): see {@link InProcess}. Null when the
     * exchange can't (it is itself such an item: no nesting).
     */
    default InProcess inProcess() {
        return null;
    }

    /**
     * True for a WebSocket handshake on a route that allows it: its upstream connection must never be reused, and a
     * 101 goes to {@link #upgraded} instead of {@link #responseHead}.
     */
    default boolean isUpgrade() {
        return false;
    }

    /**
     * The upstream switched protocols (101) on {@code stream}, which no longer belongs to the call or its pool: the
     * exchange owns it from now on. Called during {@link dev.gateway.core.upstream.UpstreamListener#onResponseHead}.
     */
    default void upgraded(ResponseHead head, long upstreamNanos, UpstreamStream stream) {
        stream.abort();
    }
}
