package dev.gateway.loadtest.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive HTTP/1.1 connection of a {@link Worker}, carrying at most one request at a time. Lives on the
 * worker's event loop: every method runs there. Events from a channel it no longer holds are ignored.
 */
@ChannelHandler.Sharable // one channel at a time, but a new one after each reconnect
final class Connection extends ChannelInboundHandlerAdapter {

    enum State {
        /** No channel; the next request for it opens one. */
        CLOSED,
        /** Opening a channel, for {@link #intended} if that is not {@link #NO_REQUEST}. */
        CONNECTING,
        /** Open and free. */
        IDLE,
        /** A request is out; its response is awaited. */
        BUSY
    }

    static final long NO_REQUEST = Long.MIN_VALUE;

    private final Worker worker;
    private State state = State.CLOSED;
    private Channel channel;
    private long intended = NO_REQUEST;
    private long sentNanos;
    private int status;
    private boolean informational;

    Connection(Worker worker) {
        this.worker = worker;
    }

    State state() {
        return state;
    }

    /** Opens the channel; then sends the request intended at {@code intendedNanos}, or goes idle. */
    void connect(long intendedNanos) {
        state = State.CONNECTING;
        intended = intendedNanos;
        worker.bootstrap().clone().handler(new ConnectionInitializer(this, worker.isHead()))
                .connect(worker.address())
                .addListener((ChannelFuture f) -> connected(f));
    }

    private void connected(ChannelFuture f) {
        if (state != State.CONNECTING) { // the run stopped meanwhile
            f.channel().close();
            return;
        }
        long request = intended;
        if (!f.isSuccess()) {
            state = State.CLOSED;
            intended = NO_REQUEST;
            worker.connectFailed(this, request);
            return;
        }
        channel = f.channel();
        if (request == NO_REQUEST) {
            state = State.IDLE;
            worker.idle(this);
        } else {
            send(request);
        }
    }

    /** Sends the request intended at {@code intendedNanos}; the connection must be open and free. */
    void send(long intendedNanos) {
        state = State.BUSY;
        intended = intendedNanos;
        status = 0;
        informational = false;
        sentNanos = System.nanoTime();
        ByteBuf request = worker.nextRequest(channel.alloc());
        channel.writeAndFlush(request, channel.voidPromise()); // a write failure reaches exceptionCaught
    }

    /** Fails the request out if it was sent more than {@code timeoutNanos} ago. */
    void checkTimeout(long now, long timeoutNanos) {
        if (state == State.BUSY && now - sentNanos > timeoutNanos) {
            fail(ErrorKind.TIMEOUT);
        }
    }

    /** Closes the connection; a request still out is not counted (the run is over). */
    void close() {
        State was = state;
        state = State.CLOSED;
        intended = NO_REQUEST;
        if (channel != null && was != State.CLOSED) {
            channel.close();
        }
        channel = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (ctx.channel() != channel) {
                return;
            }
            if (state != State.BUSY) {
                ctx.close(); // unsolicited bytes on an idle connection: it is no longer usable
                return;
            }
            if (msg instanceof HttpResponse response) {
                if (response.decoderResult().isFailure()) {
                    fail(ErrorKind.IO);
                    return;
                }
                int code = response.status().code();
                if (code >= 100 && code < 200) {
                    informational = true; // the final response follows
                    return;
                }
                status = HttpUtil.isKeepAlive(response) ? code : -code;
            }
            if (msg instanceof LastHttpContent last) {
                if (informational) {
                    informational = false;
                    return;
                }
                if (last.decoderResult().isFailure() || status == 0) {
                    fail(ErrorKind.IO);
                    return;
                }
                complete();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void complete() {
        long request = intended;
        boolean keepAlive = status > 0;
        int code = Math.abs(status);
        intended = NO_REQUEST;
        if (keepAlive) {
            state = State.IDLE;
        } else {
            state = State.CLOSED;
            channel.close();
            channel = null;
        }
        worker.completed(this, request, code);
    }

    private void fail(ErrorKind kind) {
        long request = intended;
        intended = NO_REQUEST;
        state = State.CLOSED;
        Channel c = channel;
        channel = null;
        if (c != null) {
            c.close();
        }
        worker.failed(this, request, kind);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel() != channel) {
            return; // already handled (timeout, failure, close)
        }
        if (state == State.BUSY) {
            fail(ErrorKind.IO);
        } else if (state == State.IDLE) {
            state = State.CLOSED;
            channel = null;
            worker.closedWhileIdle(this);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() == channel && state == State.BUSY) {
            fail(ErrorKind.IO);
        } else {
            ctx.close();
        }
    }
}
