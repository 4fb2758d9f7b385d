package dev.gateway.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * One pooled HTTP/1.1 connection to a target; also the last handler of its pipeline. While bound to an exchange it
 * passes every event to that exchange's {@link UpstreamListener}; while idle in the pool any inbound data or close
 * removes it from the pool. Used only on its channel's event loop.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final ConnectionPool pool;
    private Channel channel;
    private UpstreamListener listener;
    private Throwable failure;
    long idleSinceNanos;

    UpstreamConnection(ConnectionPool pool) {
        this.pool = pool;
    }

    public Target target() {
        return pool.target();
    }

    public Channel channel() {
        return channel;
    }


    void bind(UpstreamListener l) {
        listener = l;
        pool.target().incrementOutstanding();
    }

    /** Clears the listener; true if there was one (its outstanding count is then given back). */
    private boolean unbind() {
        if (listener == null) {
            return false;
        }
        listener = null;
        pool.target().decrementOutstanding();
        return true;
    }

    /** Writes without flushing; failures surface as {@link UpstreamListener#onUpstreamClosed}. */
    public void write(Object msg) {
        channel.write(msg, channel.voidPromise());
    }

    public void flush() {
        channel.flush();
    }

    public boolean isWritable() {
        return channel.isWritable();
    }

    public void setAutoRead(boolean autoRead) {
        channel.config().setAutoRead(autoRead);
    }

    /**
     * Ends this connection's part in the exchange. A reusable connection (complete response, keep-alive) goes back
     * to the pool; otherwise it is closed. The listener gets no further events.
     */
    public void release(boolean reusable) {
        unbind();
        if (!channel.config().isAutoRead()) {
            channel.config().setAutoRead(true);
        }
        pool.release(this, reusable);
    }

    /** Detaches the listener and closes the connection (exchange aborted). */
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
        UpstreamListener l = listener;
        if (l == null) {
            // Data on an idle connection: the upstream broke the protocol. Drop it and the connection.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpObject obj) {
            DecoderResult r = obj.decoderResult();
            if (r.isFailure()) {
                ReferenceCountUtil.release(msg);
                failure = new UpstreamProtocolException("invalid response from " + target() + ": " + r.cause(),
                        r.cause());
                ctx.close();
                return;
            }
        }
        if (msg instanceof FullHttpResponse full) {
            // The decoder emits head and body separately for valid messages; split a full one just in case.
            l.onResponseHead(new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers()));
            msg = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
        } else if (msg instanceof HttpResponse resp) {
            l.onResponseHead(resp);
        }
        if (msg instanceof HttpContent content) {
            l = listener;
            if (l == null) {
                content.release();
            } else {
                l.onResponseContent(content);
            }
        }
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
    public void channelInactive(ChannelHandlerContext ctx) {
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

    /** The upstream sent something that is not valid HTTP/1.1. */
    public static final class UpstreamProtocolException extends Exception {
        UpstreamProtocolException(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }
}
