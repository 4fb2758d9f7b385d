package dev.gateway.server.http2;

import dev.gateway.core.config.Http2Config;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.CharsetUtil;
import io.netty.buffer.Unpooled;

/**
 * Envoy's rule against a slow rapid reset, which Netty lacks: once a connection has opened {@code min-streams}
 * streams, more than {@code percent} of them reset by the client before their response began closes it (GOAWAY
 * ENHANCE_YOUR_CALM, counted as {@code premature_resets}). One per connection; confined to its event loop.
 */
final class PrematureResets {
    static final String REASON = "too many premature stream resets";

    private final Channel connection;
    private final int minStreams;
    private final int percent;
    private long streams;
    private long premature;
    private boolean closing;

    PrematureResets(Channel connection, Http2Config.PrematureResets limits) {
        this.connection = connection;
        this.minStreams = limits.minStreams();
        this.percent = limits.percent();
    }

    void streamStarted() {
        streams++;
    }

    /** The client reset a stream before its response began. */
    void prematureReset() {
        premature++;
        if (!closing && streams >= minStreams && premature * 100 > streams * (long) percent) {
            closing = true;
            // The codec sends it as the connection's GOAWAY (FloodWatch counts it) and the connection closes.
            connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM,
                    Unpooled.copiedBuffer(REASON, CharsetUtil.US_ASCII))).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
