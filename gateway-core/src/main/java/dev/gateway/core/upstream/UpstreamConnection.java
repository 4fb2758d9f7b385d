package dev.gateway.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ByteProcessor;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled HTTP/1.1 connection to a target; also the last handler of its pipeline (after the request encoder).
 * It parses responses itself and reports them straight to the bound exchange's {@link UpstreamListener}: the head
 * as a {@link ResponseHead} over its raw bytes, the body as slices of what was read (de-chunked), then the end.
 * While idle in the pool any inbound data or close removes it from the pool. Used only on its channel's event loop.
 *
 * <p>Invalid responses (see {@link ResponseHead}; also a head over {@value #MAX_HEAD} bytes, a bad chunk size line
 * or a missing CRLF after chunk data) close the connection and report an {@link UpstreamProtocolException}.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter implements UpstreamStream {
    static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_CHUNK_LINE = 4096;

    private enum State { HEAD, LENGTH, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, BROKEN, UPGRADED }

    private final ConnectionPool pool;
    private final ResponseHead head = new ResponseHead();
    private final EmptyLineFinder emptyLine = new EmptyLineFinder();
    private Channel channel;
    private UpstreamListener listener;
    private Throwable failure;
    private ByteBuf cumulation;
    private State state = State.HEAD;
    /** Bytes of the current head (or trailers) already scanned for its end. */
    private int scanned;
    private long remaining;
    private boolean headRequest;
    long idleSinceNanos;

    UpstreamConnection(ConnectionPool pool) {
        this.pool = pool;
    }

    public Endpoint endpoint() {
        return pool.endpoint();
    }

    @Override
    public Channel channel() {
        return channel;
    }

    void bind(UpstreamListener l) {
        listener = l;
        pool.endpoint().incrementOutstanding();
    }

    /** Clears the listener; true if there was one (its outstanding count is then given back). */
    private boolean unbind() {
        if (listener == null) {
            return false;
        }
        listener = null;
        pool.endpoint().decrementOutstanding();
        return true;
    }

    /** Writes without flushing; failures surface as {@link UpstreamListener#onUpstreamClosed}. */
    @Override
    public void write(Object msg) {
        if (msg instanceof HttpRequest r) {
            headRequest = r.method() == HttpMethod.HEAD;
        }
        channel.write(msg, channel.voidPromise());
    }

    @Override
    public void flush() {
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

    /**
     * Ends this connection's part in the exchange. A reusable connection (complete response, keep-alive) goes back
     * to the pool; otherwise it is closed. The listener gets no further events.
     */
    @Override
    public void release(boolean reusable) {
        unbind();
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
        pool.release(this, reusable);
    }

    /**
     * Takes the connection out of HTTP after a 101 (a WebSocket): it leaves its pool for good (no longer counted as
     * open or outstanding, never reused) and the listener gets no further events. The request encoder leaves the
     * pipeline now (writes are raw bytes from here on) and {@code next} is added at its end; once the current read
     * is parsed, this handler leaves too and the bytes that followed the 101 head go to {@code next}, which owns the
     * channel from then on. Call only from {@link UpstreamListener#onResponseHead} of a 101.
     */
    @Override
    public void switchProtocols(ChannelHandler next) {
        unbind();
        state = State.UPGRADED;
        pool.detach(this);
        channel.pipeline().remove(HttpRequestEncoder.class); // writes from now on are raw bytes
        channel.pipeline().addLast("relay", next);
    }

    /** Detaches the listener and closes the connection (exchange aborted). */
    @Override
    public void abort() {
        unbind();
        channel.close();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf data)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (cumulation == null) {
            cumulation = data;
        } else {
            cumulation = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, data);
        }
        try {
            decode(ctx, cumulation);
        } finally {
            if (state == State.UPGRADED) {
                handOver(ctx);
            } else if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
        }
    }

    /** After {@link #switchProtocols}: leave the pipeline; what was read after the 101 head goes to the next handler. */
    private void handOver(ChannelHandlerContext ctx) {
        ByteBuf rest = cumulation;
        cumulation = null;
        if (rest != null && rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else if (rest != null) {
            rest.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (cumulation != null && cumulation.refCnt() == 1) {
            // Only when no body slice of it is still on its way to the client: discarding moves the bytes.
            cumulation.discardSomeReadBytes();
        }
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        while (in.isReadable()) {
            if (listener == null || state == State.BROKEN) {
                // Data on an idle connection (the upstream broke the protocol), or after a protocol error.
                in.skipBytes(in.readableBytes());
                ctx.close();
                return;
            }
            switch (state) {
                case HEAD -> {
                    if (!readHead(ctx, in)) {
                        return;
                    }
                }
                case LENGTH -> {
                    if (contentUpToRemaining(in)) {
                        end(null);
                    }
                }
                case UNTIL_CLOSE -> content(in, in.readableBytes());
                case CHUNK_SIZE -> {
                    if (!readChunkSize(ctx, in)) {
                        return;
                    }
                }
                case CHUNK_DATA -> {
                    if (contentUpToRemaining(in)) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    int r = in.readerIndex();
                    byte b = in.getByte(r);
                    if (b == '\n') {
                        in.skipBytes(1);
                    } else if (b != '\r') {
                        broken(ctx, in, "chunk data not followed by CRLF");
                        return;
                    } else if (in.readableBytes() < 2) {
                        return;
                    } else if (in.getByte(r + 1) != '\n') {
                        broken(ctx, in, "chunk data not followed by CRLF");
                        return;
                    } else {
                        in.skipBytes(2);
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    if (!readTrailers(ctx, in)) {
                        return;
                    }
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    /**
     * The length of the head or trailer section at the reader index, up to and including its empty line, or -1
     * while it is incomplete (or too long: the connection is then broken). Scanning resumes where the previous
     * read stopped. {@code atLineStart}: an immediate empty line ends the section (trailers).
     */
    private int sectionLength(ChannelHandlerContext ctx, ByteBuf in, boolean atLineStart, String what) {
        int start = in.readerIndex();
        int limit = Math.min(in.writerIndex(), start + MAX_HEAD);
        if (scanned == 0) {
            emptyLine.reset(atLineStart);
        }
        int i = in.forEachByte(start + scanned, limit - start - scanned, emptyLine);
        if (i < 0) {
            scanned = limit - start;
            if (scanned >= MAX_HEAD) {
                broken(ctx, in, what + " over " + MAX_HEAD + " bytes");
            }
            return -1;
        }
        scanned = 0;
        return i + 1 - start;
    }

    /** Parses a whole head if it has arrived; false when more bytes are needed or the connection broke. */
    private boolean readHead(ChannelHandlerContext ctx, ByteBuf in) {
        int n = sectionLength(ctx, in, false, "response head");
        if (n < 0) {
            return false;
        }
        int start = in.readerIndex();
        head.load(in, start, n);
        in.skipBytes(n);
        String error = head.parse(headRequest);
        if (error != null) {
            broken(ctx, in, error);
            return false;
        }
        listener.onResponseHead(head);
        if (state == State.UPGRADED) {
            return false; // switched protocols: the rest is not HTTP (see handOver)
        }
        int status = head.status();
        if (status < 200 && status != 101) {
            return true; // interim: the final head follows
        }
        switch (head.framing()) {
            case LENGTH -> {
                remaining = head.contentLength();
                state = State.LENGTH;
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
            case UNTIL_CLOSE -> state = State.UNTIL_CLOSE;
            default -> end(null);
        }
        return true;
    }

    private boolean readChunkSize(ChannelHandlerContext ctx, ByteBuf in) {
        int start = in.readerIndex();
        int limit = Math.min(in.writerIndex(), start + MAX_CHUNK_LINE);
        int lf = in.indexOf(start, limit, (byte) '\n');
        if (lf < 0) {
            if (limit - start >= MAX_CHUNK_LINE) {
                broken(ctx, in, "chunk size line too long");
            }
            return false;
        }
        long size = 0;
        int digits = 0;
        int p = start;
        for (; p < lf; p++) {
            int c = in.getByte(p);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) {
                break;
            }
            if (++digits > 15) {
                broken(ctx, in, "chunk size too large");
                return false;
            }
            size = size * 16 + d;
        }
        // After the digits: optional whitespace and extensions (";name=value"), ignored; then CRLF.
        int c = p < lf ? in.getByte(p) : '\n';
        if (digits == 0 || (c != ';' && c != ' ' && c != '\t' && c != '\r' && c != '\n')) {
            broken(ctx, in, "invalid chunk size");
            return false;
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    private boolean readTrailers(ChannelHandlerContext ctx, ByteBuf in) {
        int n = sectionLength(ctx, in, true, "trailers");
        if (n < 0) {
            return false;
        }
        int start = in.readerIndex();
        ByteBuf trailers = null;
        if (n > 2) {
            // Validated like header lines; hop-by-hop and framing fields dropped; line ends made CRLF.
            head.load(in, start, n);
            String error = head.parseTrailers();
            if (error != null) {
                broken(ctx, in, "trailers: " + error);
                return false;
            }
            trailers = ctx.alloc().directBuffer(n + 8);
            head.writeForwardedLines(trailers);
            if (!trailers.isReadable()) {
                trailers.release();
                trailers = null;
            }
        }
        in.skipBytes(n);
        end(trailers);
        return true;
    }

    /** Reports the next {@code n} bytes of {@code in} as body and moves past them. */
    /** Passes on what is readable of the {@code remaining} body or chunk bytes; true when none remain. */
    private boolean contentUpToRemaining(ByteBuf in) {
        int n = (int) Math.min(in.readableBytes(), remaining);
        remaining -= n;
        content(in, n);
        return remaining == 0;
    }

    private void content(ByteBuf in, int n) {
        int index = in.readerIndex();
        listener.onResponseContent(in, index, n);
        in.readerIndex(index + n);
    }

    private void end(ByteBuf trailers) {
        state = State.HEAD;
        UpstreamListener l = listener;
        if (l == null) {
            if (trailers != null) {
                trailers.release();
            }
            return;
        }
        l.onResponseEnd(trailers);
    }

    private void broken(ChannelHandlerContext ctx, ByteBuf in, String why) {
        state = State.BROKEN;
        if (failure == null) {
            failure = new UpstreamProtocolException("invalid response from " + endpoint() + ": " + why, null);
        }
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state == State.UNTIL_CLOSE && listener != null && failure == null) {
            // A close-delimited body ends here (a reset is no end: the listener then hears of the failure).
            if (cumulation != null && cumulation.isReadable()) {
                content(cumulation, cumulation.readableBytes());
            }
            end(null);
        }
        if (cumulation != null) {
            if (state == State.HEAD && cumulation.isReadable() && failure == null) {
                // Part of a head arrived: the upstream did see the request, so it must not be sent again.
                failure = new UpstreamProtocolException("invalid response from " + endpoint()
                        + ": connection closed inside the response head", null);
            }
            cumulation.release();
            cumulation = null;
        }
        state = State.BROKEN;
        pool.onClosed(this);
        UpstreamListener l = listener;
        if (unbind()) {
            l.onUpstreamClosed(failure);
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
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    /**
     * Finds the empty line that ends a head or a trailer section: LF LF or LF CR LF. {@code atLineStart}: the
     * scan starts at the beginning of a line, so an immediate empty line ends it (trailers).
     */
    private static final class EmptyLineFinder implements ByteProcessor {
        /** 0: inside a line, 1: just after LF, 2: after LF CR. */
        private int state;

        void reset(boolean atLineStart) {
            state = atLineStart ? 1 : 0;
        }

        @Override
        public boolean process(byte b) {
            if (b == '\n') {
                if (state != 0) {
                    return false;
                }
                state = 1;
            } else if (b == '\r' && state == 1) {
                state = 2;
            } else {
                state = 0;
            }
            return true;
        }
    }
}
