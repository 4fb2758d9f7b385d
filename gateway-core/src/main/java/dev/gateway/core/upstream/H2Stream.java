package dev.gateway.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

/**
 * One request and its response as an HTTP/2 stream of an {@link H2Connection}: the {@link UpstreamStream} an attempt
 * gets from an h2 or h2c pool, and the handler of the stream's child channel. The request the attempt writes
 * ({@code HttpRequest}, then {@code HttpContent} pieces) becomes HEADERS (connection-specific fields dropped, Host
 * as {@code :authority}), DATA and trailing HEADERS; the response's HEADERS become a {@link ResponseHead}, its DATA
 * {@link UpstreamListener#onResponseContent} and its trailing HEADERS the trailer lines of
 * {@link UpstreamListener#onResponseEnd}. Flow control is the stream channel's: its writability follows the
 * stream's and the connection's send windows, and while reading is paused the response's DATA is not consumed, so
 * the peer runs out of window. Releasing the stream closes it (a reset if it is not complete), never the connection.
 *
 * <p>A stream the peer refused (RST_STREAM REFUSED_STREAM, or above the last stream id of its GOAWAY) was not
 * processed: it is reported as an {@link UpstreamRefusedException}, safe to send again.
 */
final class H2Stream extends ChannelInboundHandlerAdapter implements UpstreamStream {
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString HTTP = AsciiString.cached("http");
    private static final AsciiString GRPC = AsciiString.cached("application/grpc");

    private final H2Connection connection;
    private final Endpoint endpoint;
    private final ResponseHead head = new ResponseHead();
    private Http2StreamChannel channel;
    private UpstreamListener listener;
    private Throwable failure;
    /** The request head, held until the first body piece (an empty last one makes it HEADERS with END_STREAM). */
    private Http2Headers pendingHeaders;
    private boolean headRequest;
    private boolean finalHeadSeen;
    private boolean responseEnded;
    private boolean closedReported;

    H2Stream(H2Connection connection, Endpoint endpoint) {
        this.connection = connection;
        this.endpoint = endpoint;
    }

    void bind(UpstreamListener l) {
        listener = l;
        endpoint.incrementOutstanding();
    }

    private boolean unbind() {
        if (listener == null) {
            return false;
        }
        listener = null;
        endpoint.decrementOutstanding();
        return true;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = (Http2StreamChannel) ctx.channel();
    }

    /** The stream channel is registered: the listener may write. */
    void opened(boolean reused) {
        UpstreamListener l = listener;
        if (l == null) {
            channel.close();
            return;
        }
        l.onConnected(this, reused);
    }

    void openFailed(Throwable cause) {
        UpstreamListener l = listener;
        unbind();
        streamGone();
        if (l != null) {
            l.onConnectFailed(UpstreamListener.ConnectFailure.REFUSED, cause);
        }
    }

    // ----- the request

    @Override
    public void write(Object msg) {
        if (msg instanceof HttpRequest r) {
            headRequest = r.method() == HttpMethod.HEAD;
            pendingHeaders = requestHeaders(r);
        }
        if (msg instanceof HttpContent c) {
            content(c);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private Http2Headers requestHeaders(HttpRequest r) {
        Http2Headers h = new DefaultHttp2Headers(true, r.headers().size() + 4);
        h.method(r.method().asciiName());
        h.scheme(endpoint.tls() != null ? HTTPS : HTTP);
        h.path(r.uri());
        String host = r.headers().get(HttpHeaderNames.HOST);
        if (host != null) {
            h.authority(host);
        }
        // Drops Connection and what it names, Keep-Alive, Proxy-Connection, Transfer-Encoding, Host and Upgrade, and
        // keeps TE only as "trailers" (RFC 9113 8.2.2).
        HttpConversionUtil.toHttp2Headers(r.headers(), h);
        CharSequence type = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && AsciiString.regionMatches(type, true, 0, GRPC, 0, GRPC.length())) {
            // gRPC servers expect it (TE is hop-by-hop, so the client's was not forwarded).
            h.set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        return h;
    }

    private void content(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        Http2Headers trailers = last ? trailers((LastHttpContent) c) : null;
        ByteBuf data = c.content();
        boolean endWithData = last && trailers == null;
        if (pendingHeaders != null) {
            Http2Headers h = pendingHeaders;
            pendingHeaders = null;
            boolean headersOnly = endWithData && !data.isReadable();
            channel.write(new DefaultHttp2HeadersFrame(h, headersOnly), channel.voidPromise());
            if (headersOnly) {
                c.release();
                return;
            }
        }
        if (data.isReadable() || endWithData) {
            channel.write(new DefaultHttp2DataFrame(data, endWithData), channel.voidPromise());
        } else {
            c.release();
        }
        if (trailers != null) {
            channel.write(new DefaultHttp2HeadersFrame(trailers, true), channel.voidPromise());
        }
    }

    private static Http2Headers trailers(LastHttpContent c) {
        if (c.trailingHeaders().isEmpty()) {
            return null;
        }
        Http2Headers t = HttpConversionUtil.toHttp2Headers(c.trailingHeaders(), true);
        return t.isEmpty() ? null : t;
    }

    @Override
    public void flush() {
        if (pendingHeaders != null) {
            // The body is still on its way: the request head goes now.
            Http2Headers h = pendingHeaders;
            pendingHeaders = null;
            channel.write(new DefaultHttp2HeadersFrame(h, false), channel.voidPromise());
        }
        channel.flush();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    /** The stream's part is over: it closes (reset when unfinished); the connection stays for other streams. */
    @Override
    public void release(boolean reusable) {
        unbind();
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
        channel.close();
    }

    @Override
    public void abort() {
        unbind();
        channel.close();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    /** HTTP/2 has no 101: a WebSocket route needs an http1 upstream. */
    @Override
    public void switchProtocols(ChannelHandler next) {
        throw new UnsupportedOperationException("an HTTP/2 stream does not switch protocols");
    }

    // ----- the response

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            UpstreamListener l = listener;
            if (l == null || responseEnded) {
                return;
            }
            if (msg instanceof Http2HeadersFrame hf) {
                headers(ctx, l, hf);
            } else if (msg instanceof Http2DataFrame df) {
                if (!finalHeadSeen) {
                    broken(ctx, "DATA before the response head");
                    return;
                }
                ByteBuf data = df.content();
                if (data.isReadable()) {
                    l.onResponseContent(data, data.readerIndex(), data.readableBytes());
                }
                if (df.isEndStream() && listener == l) {
                    end(l, null);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void headers(ChannelHandlerContext ctx, UpstreamListener l, Http2HeadersFrame hf) {
        if (!finalHeadSeen) {
            String error = head.loadH2(hf.headers(), headRequest);
            if (error != null) {
                broken(ctx, error);
                return;
            }
            int status = head.status();
            if (status < 200) {
                if (status == 101 || hf.isEndStream()) {
                    broken(ctx, "status " + status + " on HTTP/2");
                    return;
                }
                l.onResponseHead(head);
                return;
            }
            finalHeadSeen = true;
            l.onResponseHead(head);
            if (hf.isEndStream() && listener == l) {
                end(l, null);
            }
            return;
        }
        if (!hf.isEndStream()) {
            broken(ctx, "HEADERS after the response head without END_STREAM");
            return;
        }
        ByteBuf trailers = null;
        String error = head.loadH2Trailers(hf.headers());
        if (error != null) {
            broken(ctx, "trailers: " + error);
            return;
        }
        if (head.headerCount() > 0) {
            trailers = ctx.alloc().directBuffer(head.length() + 8);
            head.writeForwardedLines(trailers);
            if (!trailers.isReadable()) {
                trailers.release();
                trailers = null;
            }
        }
        end(l, trailers);
    }

    private void end(UpstreamListener l, ByteBuf trailers) {
        responseEnded = true;
        l.onResponseEnd(trailers);
    }

    private void broken(ChannelHandlerContext ctx, String why) {
        if (failure == null) {
            failure = new UpstreamProtocolException("invalid response from " + endpoint + ": " + why, null);
        }
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame rst) {
            long code = rst.errorCode();
            if (failure == null) {
                failure = code == Http2Error.REFUSED_STREAM.code() && !finalHeadSeen
                        ? new UpstreamRefusedException("the upstream refused the stream (REFUSED_STREAM)")
                        : new UpstreamResetException("the upstream reset the stream: " + errorName(code));
            }
        } else if (evt instanceof Http2GoAwayFrame g) {
            // Above the GOAWAY's last stream id: the peer did not process this stream.
            if (failure == null && !finalHeadSeen) {
                failure = new UpstreamRefusedException("the upstream went away before this stream (GOAWAY "
                        + errorName(g.errorCode()) + ")");
            }
            g.release();
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    private static String errorName(long code) {
        Http2Error e = Http2Error.valueOf(code);
        return e == null ? Long.toString(code) : e.name();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pendingHeaders != null) {
            pendingHeaders = null;
        }
        streamGone();
        UpstreamListener l = listener;
        if (unbind() && !responseEnded) {
            Throwable f = failure;
            int last = connection.goAwayLastStreamId();
            if (f == null && last >= 0 && !finalHeadSeen && channel.stream().id() > last) {
                f = new UpstreamRefusedException("the upstream went away before this stream (GOAWAY)");
            }
            l.onUpstreamClosed(f);
        }
    }

    /** Tells the connection once that this stream is over. */
    private void streamGone() {
        if (!closedReported) {
            closedReported = true;
            connection.streamClosed();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        streamGone();
    }
}
