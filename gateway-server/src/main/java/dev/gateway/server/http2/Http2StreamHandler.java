package dev.gateway.server.http2;

import dev.gateway.core.exchange.Downstream;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.Header;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.terminal.DeadlineAlarm;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.server.http1.ProxyState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream (a child channel of the connection's multiplexer): one request, one {@link Exchange}. It is the
 * exchange's {@link Downstream}, writing the response as HEADERS, DATA and trailing HEADERS frames, and its
 * {@link ClientFlow}: writability is the stream's (its flow-control window and the connection's buffer), pausing the
 * request body turns the stream's auto-read off so that no WINDOW_UPDATE returns the window and the client stops
 * sending, and the deadline is a timer on the loop. A response the client stops reading is cut short after
 * {@code server.write-timeout}; a request body that stops arriving for {@code server.idle-timeout} is answered 408.
 * Confined to the connection's event loop.
 */
final class Http2StreamHandler extends ChannelInboundHandlerAdapter implements Downstream, ClientFlow {
    private static final Logger logger = LoggerFactory.getLogger(Http2StreamHandler.class);
    private static final AsciiString STATUS_100 = AsciiString.of("100");
    private static final HttpMethod NO_METHOD = HttpMethod.valueOf("-");
    /** The client's version as filters see it (an HMAC-signed request-line says HTTP/2.0). */
    private static final String HTTP2 = "HTTP/2.0";

    private final ProxyState state;
    private final Http2Peer peer;
    private ChannelHandlerContext ctx;
    private Channel channel;
    private Exchange exchange;
    private boolean ended;
    /** The client's END_STREAM arrived: the request is complete. */
    private boolean requestDone;
    private boolean headRequest;
    private boolean inReadBatch;
    private boolean flushPending;
    /** A forwarded response head held until its body's first piece or its end (then sent with END_STREAM). */
    private Http2Headers pendingHead;
    private boolean responseEnded;
    /** The codec resets the stream itself (a stream error it found): no reset of ours. */
    private boolean codecResets;
    private ClientFlow.Listener listener;
    private final DeadlineAlarm deadline = new DeadlineAlarm(this::deadlinePassed);
    private long writeTimeoutNanos;
    private ScheduledFuture<?> writeTimer;
    /** The request body's stall timer (server.idle-timeout without a DATA frame while the body is read). */
    private long idleTimeoutNanos;
    private long lastDataNanos;
    private ScheduledFuture<?> bodyTimer;
    private boolean bodyPaused;

    private final PrematureResets resets;

    Http2StreamHandler(ProxyState state, Http2Peer peer, PrematureResets resets) {
        this.state = state;
        this.peer = peer;
        this.resets = resets;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inbound: the request's frames

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inReadBatch = true;
        if (msg instanceof Http2HeadersFrame headers) {
            if (exchange == null) {
                startRequest(headers);
            } else {
                trailers(headers);
            }
        } else if (msg instanceof Http2DataFrame data) {
            Exchange ex = exchange;
            if (ex == null || requestDone) {
                data.release();
                return;
            }
            lastDataNanos = System.nanoTime();
            // The frame's buffer becomes the content's: the exchange owns and releases it.
            if (data.isEndStream()) {
                requestDone = true;
                ex.onRequestContent(new DefaultLastHttpContent(data.content()));
            } else {
                ex.onRequestContent(new DefaultHttpContent(data.content()));
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(Http2HeadersFrame frame) {
        long start = System.nanoTime();
        Snapshot snapshot = state.config().get();
        writeTimeoutNanos = snapshot.config().server().writeTimeout().toNanos();
        idleTimeoutNanos = snapshot.config().server().idleTimeout().toNanos();
        Http2Headers h = frame.headers();
        requestDone = frame.isEndStream();
        HttpRequest req = null;
        if (Http2Requests.valid(h, false)) {
            try {
                req = Http2Requests.toRequest(streamId(), h, requestDone);
            } catch (Http2Exception | RuntimeException e) {
                logger.debug("stream {} of {}: unconvertible request: {}", streamId(), peer.ip(), e.toString());
            }
        }
        boolean invalid = req == null;
        if (invalid) {
            req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, NO_METHOD, "-");
        }
        headRequest = req.method() == HttpMethod.HEAD;
        resets.streamStarted();
        Exchange ex = new Exchange(this, snapshot, state.log(), state.unrouted(), req, start, HTTP2);
        exchange = ex;
        state.activeRequests().incrementAndGet();
        if (invalid) {
            // A malformed request (RFC 9113 8.1.1): answered 400 on its stream, never forwarded.
            ex.reject(GatewayErrors.BAD_REQUEST);
            return;
        }
        ex.begin();
        if (requestDone) {
            ex.onRequestContent(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (!ended) {
            lastDataNanos = System.nanoTime();
            bodyTimer = channel.eventLoop().schedule(this::bodyStallCheck, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The client stopped sending its request body (no DATA for the idle timeout while the gateway reads it): like an
     * HTTP/1.1 body that stalls, 408 and the stream ends. Time spent paused by the gateway does not count.
     */
    private void bodyStallCheck() {
        bodyTimer = null;
        Exchange ex = exchange;
        if (ended || requestDone || ex == null) {
            return;
        }
        long now = System.nanoTime();
        long idle = now - lastDataNanos;
        if (bodyPaused || idle < idleTimeoutNanos) {
            bodyTimer = channel.eventLoop().schedule(this::bodyStallCheck,
                    bodyPaused ? idleTimeoutNanos : idleTimeoutNanos - idle, TimeUnit.NANOSECONDS);
            return;
        }
        logger.debug("stream {} of {}: the request body stalled", streamId(), peer.ip());
        ex.onBodyStalled();
    }

    private void trailers(Http2HeadersFrame frame) {
        Exchange ex = exchange;
        if (requestDone || !frame.isEndStream() || !Http2Requests.valid(frame.headers(), true)) {
            // A second header block that does not end the stream, or trailers with pseudo-fields: malformed.
            logger.debug("stream {} of {}: malformed trailers", streamId(), peer.ip());
            requestDone = true;
            resetStream(Http2Error.PROTOCOL_ERROR);
            return;
        }
        requestDone = true;
        DefaultLastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        last.trailingHeaders().set(Http2Requests.toTrailers(frame.headers()));
        ex.onRequestContent(last);
    }

    private int streamId() {
        return ((Http2StreamChannel) channel).stream().id();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inReadBatch = false;
        ClientFlow.Listener l = listener;
        if (l != null) {
            l.onClientReadComplete();
        }
        flushIfPending();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            cancelWriteTimer();
            ClientFlow.Listener l = listener;
            if (l != null) {
                l.onClientWritable();
            }
        } else {
            startWriteTimer();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            Exchange ex = exchange;
            if (ex != null && !ex.isResponseStarted()) {
                resets.prematureReset();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The stream closed (ended, reset by the client, or its connection went away). */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelWriteTimer();
        Exchange ex = exchange;
        if (ex != null && !ended) {
            ex.clientGone();
        }
        pendingHead = null;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("stream of {} failed: {}", peer.ip(), cause.toString());
        Exchange ex = exchange;
        if (cause instanceof Http2Exception) {
            // A stream error (a content-length the DATA disagrees with, say): the codec resets the stream with its
            // error code right after this; the exchange just ends, nothing more is written.
            codecResets = true;
            if (ex != null && !ended) {
                ex.clientGone();
            }
            return;
        }
        if (ex != null && !ended && !ex.isResponseStarted()) {
            ex.failInternally(cause);
        } else {
            ctx.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Downstream: who the client is

    @Override
    public EventLoop loop() {
        return channel.eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return channel.alloc();
    }

    @Override
    public InetAddress clientAddress() {
        return peer.address();
    }

    @Override
    public AsciiString clientIp() {
        return peer.ip();
    }

    @Override
    public boolean isPeerTrusted() {
        return peer.trusted();
    }

    @Override
    public AsciiString localPort() {
        return peer.localPort();
    }

    @Override
    public boolean isSecure() {
        return peer.secure();
    }

    @Override
    public ClientCertificate clientCertificate() {
        return peer.clientCertificate();
    }

    @Override
    public ClientFlow clientFlow() {
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Downstream: the response

    @Override
    public void forwardHead(ResponseHead head, HttpHeaders headers, List<Header> extra, CharSequence requestId,
            boolean mustClose) {
        Http2Headers out = new DefaultHttp2Headers(false, head.headerCount() + 4);
        out.status(AsciiString.of(Integer.toString(head.status())));
        if (headers != null) {
            // Headers edited by filters, as an object.
            headers.remove(GatewayHeaders.X_REQUEST_ID);
            for (var it = headers.iteratorCharSequence(); it.hasNext(); ) {
                var e = it.next();
                Http2Requests.addResponseField(out, e.getKey(), e.getValue());
            }
        } else {
            for (int i = 0, n = head.headerCount(); i < n; i++) {
                if (head.isForwarded(i)) {
                    Http2Requests.addResponseField(out, head.name(i), head.value(i));
                }
            }
            if (extra != null) {
                for (int i = 0; i < extra.size(); i++) {
                    Http2Requests.addResponseField(out, extra.get(i).name(), extra.get(i).value());
                }
            }
        }
        out.set(GatewayHeaders.X_REQUEST_ID, requestId);
        pendingHead = out;
        flushPending = true;
    }

    private void writePendingHead(boolean endStream) {
        Http2Headers h = pendingHead;
        if (h != null) {
            pendingHead = null;
            ctx.write(new DefaultHttp2HeadersFrame(h, endStream), ctx.voidPromise());
        }
    }

    @Override
    public void forwardContent(ByteBuf in, int index, int length) {
        writePendingHead(false);
        if (length > 0 && !headRequest) {
            ctx.write(new DefaultHttp2DataFrame(in.retainedSlice(index, length), false), ctx.voidPromise());
        }
        flushPending = true;
    }

    @Override
    public void forwardEnd(ByteBuf trailers) {
        responseEnded = true;
        if (trailers != null) {
            writePendingHead(false);
            Http2Headers t = Http2Requests.trailersFromLines(trailers);
            trailers.release();
            ctx.write(new DefaultHttp2HeadersFrame(t, true), ctx.voidPromise());
        } else if (pendingHead != null) {
            writePendingHead(true);
        } else {
            ctx.write(new DefaultHttp2DataFrame(true), ctx.voidPromise());
        }
        flushPending = true;
    }

    @Override
    public void upstreamReadComplete() {
        writePendingHead(false);
        flushIfPending();
    }

    @Override
    public void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, boolean mustClose) {
        responseEnded = true;
        Http2Headers h = Http2Requests.responseHeaders(status.code(), headers);
        boolean noBody = headRequest || !body.isReadable();
        ctx.write(new DefaultHttp2HeadersFrame(h, noBody), ctx.voidPromise());
        if (noBody) {
            body.release();
        } else {
            ctx.write(new DefaultHttp2DataFrame(body, true), ctx.voidPromise());
        }
        flushSoon();
    }

    @Override
    public void sendContinue() {
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers(false, 1).status(STATUS_100), false),
                ctx.voidPromise());
        flushSoon();
    }

    @Override
    public void exchangeEnded(Exchange ex, boolean abort) {
        if (ended) {
            return;
        }
        ended = true;
        state.activeRequests().decrementAndGet();
        listener = null;
        deadline.cancel();
        cancelWriteTimer();
        if (bodyTimer != null) {
            bodyTimer.cancel(false);
            bodyTimer = null;
        }
        if (abort || !responseEnded) {
            // Cut short: the client sees the stream reset, not a truncated body that looks complete.
            pendingHead = null;
            resetStream(Http2Error.CANCEL);
            return;
        }
        if (!requestDone && channel.isActive()) {
            // Answered before the request body ended (RFC 9113 8.1): the client may stop sending.
            flushPending = false;
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR), ctx.voidPromise());
            ctx.flush();
            return;
        }
        if (!inReadBatch) {
            flushIfPending();
        }
    }

    private void resetStream(Http2Error error) {
        if (channel.isActive() && !codecResets) {
            flushPending = false;
            ctx.writeAndFlush(new DefaultHttp2ResetFrame(error));
        }
    }

    private void flushSoon() {
        if (inReadBatch) {
            flushPending = true;
        } else {
            flushPending = false;
            ctx.flush();
        }
    }

    private void flushIfPending() {
        if (flushPending) {
            flushPending = false;
            ctx.flush();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ClientFlow

    @Override
    public void listen(ClientFlow.Listener l) {
        listener = l;
    }

    @Override
    public boolean inReadBatch() {
        return inReadBatch;
    }

    @Override
    public boolean isWritable() {
        boolean writable = channel.isWritable();
        if (!writable) {
            startWriteTimer();
        }
        return writable;
    }

    @Override
    public void pauseRequestBody(boolean pause) {
        // Frames stay in the stream's queue and its window is not returned: the client runs out of window.
        bodyPaused = pause;
        if (!pause) {
            lastDataNanos = System.nanoTime(); // the client was waiting for the gateway, not stalling
        }
        channel.config().setAutoRead(!pause);
    }

    @Override
    public void wakeBy(long deadlineNanos) {
        if (!ended) {
            deadline.set(channel.eventLoop(), deadlineNanos);
        }
    }

    private void deadlinePassed() {
        ClientFlow.Listener l = listener;
        if (!ended && l != null) {
            l.onDeadline();
        }
    }

    /** The client stopped taking the response: unless it resumes within the write timeout, the stream is reset. */
    private void startWriteTimer() {
        if (writeTimer == null && !ended && writeTimeoutNanos > 0) {
            writeTimer = channel.eventLoop().schedule(this::writeTimedOut, writeTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelWriteTimer() {
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    private void writeTimedOut() {
        writeTimer = null;
        Exchange ex = exchange;
        if (!ended && ex != null && !channel.isWritable()) {
            logger.debug("stream {} of {}: the client stopped reading the response, resetting", streamId(),
                    peer.ip());
            ex.abort();
        }
    }
}
