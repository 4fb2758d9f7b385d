package dev.gateway.server.http1;

import dev.gateway.core.exchange.Downstream;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.exchange.WebSocketSession;
import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.Header;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * One HTTP/1.1 client connection as its exchanges see it ({@link Downstream}): who the client is, and the response
 * written as bytes (the client pipeline has no encoder), either a forwarded response from the upstream's raw header
 * lines or a response the gateway made. It frames each for this client (chunked when the length is unknown,
 * close-delimited for HTTP/1.0, Connection), holds a forwarded head back until the body's first piece so that a small
 * body is copied in behind it (one buffer, one write), and marks when a flush is due. The end of an exchange goes to
 * the connection's {@link Http1ServerHandler}, which is also the {@link ClientFlow} the call uses directly. Confined
 * to the channel's event loop.
 */
final class Http1Downstream implements Downstream {
    /** Bodies up to this size are copied behind the response head instead of being written as a slice. */
    private static final int SMALL_BODY = 4096;

    private final Http1ServerHandler connection;
    private final ProxyState state;
    private ChannelHandlerContext ctx;
    private InetAddress clientAddress;
    private AsciiString clientIp;
    private boolean peerTrusted;
    private AsciiString localPort;
    /** The connection came through the TLS listener; its verified client certificate, or null. */
    private boolean secure;
    private ClientCertificate clientCertificate;
    private boolean keepAlive;
    private boolean http10;
    private boolean headRequest;
    private boolean closeAfterResponse;
    /** The response goes to the client in chunked coding (the upstream sent no Content-Length). */
    private boolean chunkToClient;
    /** The response head, held back until the body's first piece (a small one is copied into it). */
    private ByteBuf pendingHead;
    private boolean flushPending;

    Http1Downstream(Http1ServerHandler connection, ProxyState state) {
        this.connection = connection;
        this.state = state;
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The connection is up: who is at the other end (trusted as a proxy by {@code snapshot}'s list or not). */
    void connected(Snapshot snapshot) {
        Channel channel = ctx.channel();
        if (channel.remoteAddress() instanceof InetSocketAddress remote && remote.getAddress() != null) {
            clientAddress = remote.getAddress();
            clientIp = AsciiString.of(clientAddress.getHostAddress());
            peerTrusted = snapshot.isTrustedProxy(clientAddress.getAddress());
        } else {
            clientIp = AsciiString.of("unknown");
        }
        localPort = channel.localAddress() instanceof InetSocketAddress local ? state.localPort(local.getPort())
                : AsciiString.EMPTY_STRING;
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl != null) {
            secure = true;
            clientCertificate = verifiedClientCertificate(ssl);
        }
    }

    /** The certificate the client presented and the TLS handler verified (client-auth optional or required). */
    private static ClientCertificate verifiedClientCertificate(SslHandler ssl) {
        try {
            Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? ClientCertificate.from(x) : null;
        } catch (SSLPeerUnverifiedException e) {
            return null; // none presented
        }
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public ClientCertificate clientCertificate() {
        return clientCertificate;
    }

    @Override
    public EventLoop loop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public AsciiString clientIp() {
        return clientIp;
    }

    @Override
    public boolean isPeerTrusted() {
        return peerTrusted;
    }

    @Override
    public AsciiString localPort() {
        return localPort;
    }

    /** The connection's handler: the call uses it directly. */
    @Override
    public ClientFlow clientFlow() {
        return connection;
    }

    @Override
    public void exchangeEnded(Exchange exchange, boolean abort) {
        connection.exchangeEnded(exchange, abort);
    }

    /** A new request: its response will be framed for this request's version and keep-alive wish. */
    void start(HttpRequest request) {
        keepAlive = HttpUtil.isKeepAlive(request);
        http10 = request.protocolVersion().minorVersion() == 0;
        headRequest = request.method() == HttpMethod.HEAD;
        closeAfterResponse = false;
        chunkToClient = false;
    }

    /** A response to no request at all (a header-read timeout, the connection limit): it closes the connection. */
    void startWithoutRequest() {
        keepAlive = false;
        http10 = false;
        headRequest = false;
        closeAfterResponse = true;
        chunkToClient = false;
    }

    /** True once the current response must be the connection's last. */
    boolean closeAfterResponse() {
        return closeAfterResponse;
    }

    private void mustClose(boolean exchangeSaysClose) {
        if (exchangeSaysClose || !keepAlive || state.isDraining()) {
            closeAfterResponse = true;
        }
    }

    @Override
    public void forwardHead(ResponseHead head, HttpHeaders headers, List<Header> extra, CharSequence requestId,
            boolean close) {
        ResponseHead.Framing framing = head.framing();
        if (framing == ResponseHead.Framing.CHUNKED || framing == ResponseHead.Framing.UNTIL_CLOSE) {
            // A body of unknown length (HEAD, 204, 304 and 101 have none: the head's framing says so).
            if (http10) {
                closeAfterResponse = true; // close-delimited: HTTP/1.0 has no chunked coding
            } else {
                chunkToClient = true;
            }
        }
        mustClose(close);
        // Room for a small sized body too: it is copied in behind the head (one buffer, one write).
        long length = head.contentLength();
        int bodyRoom = framing == ResponseHead.Framing.LENGTH && length <= SMALL_BODY ? (int) length : 0;
        int extraRoom = 0;
        if (extra != null) {
            for (int i = 0; i < extra.size(); i++) {
                extraRoom += extra.get(i).lineLength();
            }
        }
        ByteBuf out = ctx.alloc().directBuffer(head.length() + 96 + requestId.length() + bodyRoom + extraRoom);
        head.writeStatusLine(out);
        if (headers != null) {
            // The slow path: headers edited by filters, as an object.
            if (chunkToClient) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
            if (closeAfterResponse) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (http10) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            headers.set(GatewayHeaders.X_REQUEST_ID, requestId);
            Http1Writer.writeHeaders(out, headers);
        } else {
            // The fast path: the upstream's header lines as they arrived, hop-by-hop ones left out.
            head.writeForwardedLines(out);
            if (extra != null) {
                // Headers the request's context set or added (the upstream's of a set name were dropped).
                for (int i = 0; i < extra.size(); i++) {
                    extra.get(i).writeLine(out);
                }
            }
            if (chunkToClient) {
                out.writeBytes(Http1Writer.CHUNKED_LINE);
            }
            if (closeAfterResponse) {
                out.writeBytes(Http1Writer.CLOSE_LINE);
            } else if (http10) {
                out.writeBytes(Http1Writer.KEEP_ALIVE_LINE);
            }
            out.writeBytes(Http1Writer.REQUEST_ID_PREFIX);
            Http1Writer.writeText(out, requestId);
            out.writeShort(Http1Writer.CRLF_SHORT);
        }
        out.writeShort(Http1Writer.CRLF_SHORT);
        pendingHead = out;
        flushPending = true;
    }

    /** Writes the response head if it is still held back for a small body to join it. */
    private void writePendingHead() {
        ByteBuf h = pendingHead;
        if (h != null) {
            pendingHead = null;
            ctx.write(h, ctx.voidPromise());
        }
    }

    void releasePendingHead() {
        if (pendingHead != null) {
            pendingHead.release();
            pendingHead = null;
        }
    }

    @Override
    public void forwardContent(ByteBuf in, int index, int length) {
        ByteBuf h = pendingHead;
        if (chunkToClient) {
            writePendingHead();
            ctx.write(Http1Writer.chunkHeader(ctx.alloc(), length), ctx.voidPromise());
            ctx.write(in.retainedSlice(index, length), ctx.voidPromise());
            ctx.write(Http1Writer.crlf(), ctx.voidPromise());
        } else if (h != null && length <= SMALL_BODY && h.writableBytes() >= length) {
            h.writeBytes(in, index, length);
        } else {
            writePendingHead();
            ctx.write(in.retainedSlice(index, length), ctx.voidPromise());
        }
        flushPending = true;
    }

    @Override
    public void forwardEnd(ByteBuf trailers) {
        writePendingHead();
        if (chunkToClient) {
            if (trailers != null) {
                ctx.write(Http1Writer.lastChunkBeforeTrailers(), ctx.voidPromise());
                ctx.write(trailers, ctx.voidPromise());
                ctx.write(Http1Writer.crlf(), ctx.voidPromise());
            } else {
                ctx.write(Http1Writer.lastChunk(), ctx.voidPromise());
            }
            flushPending = true;
        } else if (trailers != null) {
            trailers.release();
        }
    }

    @Override
    public void upstreamReadComplete() {
        writePendingHead();
        flushIfPending();
    }

    @Override
    public void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, boolean close) {
        mustClose(close);
        if (closeAfterResponse) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.write(Http1Writer.head(ctx.alloc(), status, headers), ctx.voidPromise());
        if (headRequest) {
            body.release(); // a response to HEAD has no body, whatever its Content-Length says
        } else {
            ctx.write(body, ctx.voidPromise());
        }
        flushSoon();
        connection.responded(closeAfterResponse);
    }

    @Override
    public void upgradeRequested() {
        // Unless the upstream switches protocols, the connection closes after the response: what the client sent
        // after the handshake can't be told from a next request.
        keepAlive = false;
        connection.upgradeRequested();
    }

    @Override
    public void upgrade(ResponseHead head, CharSequence requestId, UpstreamStream upstream,
            WebSocketSession session) {
        ByteBuf out = ctx.alloc().directBuffer(head.length() + 64 + requestId.length());
        head.writeStatusLine(out);
        head.writeForwardedLines(out); // Sec-WebSocket-Accept and the like; hop-by-hop ones are left out
        WebSocketRelay.writeUpgradeLines(out, head);
        out.writeBytes(Http1Writer.REQUEST_ID_PREFIX);
        Http1Writer.writeText(out, requestId);
        out.writeShort(Http1Writer.CRLF_SHORT);
        out.writeShort(Http1Writer.CRLF_SHORT);
        connection.switchToRelay(out, upstream, session);
    }

    @Override
    public void sendContinue() {
        ctx.write(Http1Writer.continueResponse(), ctx.voidPromise());
        flushSoon();
    }

    /** Flushes now, or at the end of the client's read batch when inside one. */
    private void flushSoon() {
        if (connection.inReadBatch()) {
            flushPending = true;
        } else {
            ctx.flush();
        }
    }

    void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    /** Flushes what is due unless a client read batch is running (whose end flushes). */
    void flushIfPendingOutsideReadBatch() {
        if (flushPending && !connection.inReadBatch()) {
            flushPending = false;
            ctx.flush();
        }
    }
}
