package dev.gateway.core.exchange;

import dev.gateway.core.http.Header;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.List;

/**
 * Where an exchange's response goes and what it knows of the client: the HTTP/1.1 connection that carried the
 * request (the server's I/O handler), and later a batch call collecting several exchanges. The downstream owns the
 * wire: it frames the response (chunked, close-delimited, Connection), writes the bytes and decides when to flush.
 * Every method runs on {@link #loop()}.
 */
public interface Downstream {

    EventLoop loop();

    ByteBufAllocator alloc();

    /** The client's address (the socket peer). */
    InetAddress clientAddress();

    /** The client's address as text, for X-Forwarded-For and logs. */
    AsciiString clientIp();

    /** Whether the peer is a trusted proxy: its X-Forwarded-* headers are extended instead of replaced. */
    boolean isPeerTrusted();

    /** The local port the request came in on, for X-Forwarded-Port. */
    AsciiString localPort();

    /** Whether the request came over TLS (X-Forwarded-Proto https). */
    default boolean isSecure() {
        return false;
    }

    /** The client certificate the TLS listener verified on this connection, or null. */
    default dev.gateway.core.filter.ClientCertificate clientCertificate() {
        return null;
    }

    /** The client side's flow, which the exchange's terminal call uses directly (see {@link ClientFlow}). */
    ClientFlow clientFlow();

    // ----- a forwarded response

    /**
     * The upstream's final response head. {@code headers} is null to forward the head's own lines (the fast path)
     * followed by the {@code extra} lines (null when none), else the complete set to send instead. {@code mustClose}:
     * the connection must close after this response.
     */
    void forwardHead(ResponseHead head, HttpHeaders headers, List<Header> extra, CharSequence requestId,
            boolean mustClose);

    /** {@code length} bytes of {@code in} from {@code index}: copy them or take a retained slice, nothing else. */
    void forwardContent(ByteBuf in, int index, int length);

    /** The end of the forwarded body; {@code trailers} (owned by the downstream from now on) or null. */
    void forwardEnd(ByteBuf trailers);

    /** The upstream's read batch ended: write what is held back and flush. */
    void upstreamReadComplete();

    // ----- a response the gateway made

    /**
     * A complete response; {@code body} is owned by the downstream from now on. Its headers already carry
     * Content-Length (unless 204 or 304) and X-Request-Id.
     */
    void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, boolean mustClose);

    // ----- the request side

    /** Sends {@code 100 Continue} (the client waits for it before sending the body). */
    void sendContinue();

    /**
     * The exchange is over, its response written (and its access-log line and metrics recorded). Called exactly once.
     * {@code abort}: the response was cut short and the connection must close now.
     */
    void exchangeEnded(Exchange exchange, boolean abort);

    // ----- WebSocket (routes with websocket: true)

    /**
     * The current request is a WebSocket handshake being forwarded: what the client sends after its head is no
     * longer HTTP. Called from {@link Exchange#begin()}; the downstream stops parsing requests (bytes that follow are
     * held for the upstream) and closes the connection after the response unless {@link #upgrade} follows.
     */
    default void upgradeRequested() {}

    /**
     * The upstream answered the handshake with 101 on {@code upstream}, which the downstream owns from now on: it
     * writes the 101 ({@code head}'s status and Sec-WebSocket-* lines, the upstream's Upgrade, Connection: upgrade,
     * X-Request-Id) and relays bytes both ways until either side closes. Called from within
     * {@link dev.gateway.core.upstream.UpstreamListener#onResponseHead}, so that
     * {@link UpstreamStream#switchProtocols} can be used.
     */
    default void upgrade(ResponseHead head, CharSequence requestId, UpstreamStream upstream,
            WebSocketSession session) {
        upstream.abort();
    }
}
