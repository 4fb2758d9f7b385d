package dev.gateway.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.logging.LogLevel;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees the frames the gateway sends on an HTTP/2 connection (Netty's frame-logger hook, which logs nothing at its TRACE
 * level) to count the floods Netty's limits stop: a GOAWAY ENHANCE_YOUR_CALM names the limit in its debug data, a
 * refused stream is a RST_STREAM REFUSED_STREAM, and an oversized header block is answered 431 or with GOAWAY. One per
 * connection; called on its event loop.
 */
final class FloodWatch extends Http2FrameLogger {
    private static final Logger logger = LoggerFactory.getLogger(FloodWatch.class);
    private static final String HEADER_LIST = "Header size exceeded";

    private final Http2Floods floods;

    FloodWatch(Http2Floods floods) {
        super(LogLevel.TRACE, FloodWatch.class);
        this.floods = floods;
    }

    @Override
    public void logGoAway(Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode,
            ByteBuf debugData) {
        if (direction == Direction.OUTBOUND && errorCode != Http2Error.NO_ERROR.code()) {
            String why = debugData.toString(debugData.readerIndex(), Math.min(debugData.readableBytes(), 200),
                    StandardCharsets.UTF_8);
            Http2Floods.Kind kind = kindOf(errorCode, why);
            if (kind != null) {
                floods.count(kind);
                logger.debug("{}: HTTP/2 flood {} ({}), closing", ctx.channel().remoteAddress(), kind.tag(), why);
            }
        }
        super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
    }

    /** The flood a GOAWAY's error and debug text name, or null (another protocol error). */
    static Http2Floods.Kind kindOf(long errorCode, String why) {
        if (why.contains(HEADER_LIST)) {
            return Http2Floods.Kind.HEADER_LIST;
        }
        if (errorCode != Http2Error.ENHANCE_YOUR_CALM.code()) {
            return null;
        }
        if (why.contains("RST frames frames")) {
            return Http2Floods.Kind.RESETS_SENT; // Netty's encoder-side wording
        }
        if (why.contains("RST frames")) {
            return Http2Floods.Kind.RAPID_RESET;
        }
        if (why.contains("continuation")) {
            return Http2Floods.Kind.CONTINUATION;
        }
        if (why.contains("empty data frames")) {
            return Http2Floods.Kind.EMPTY_DATA;
        }
        if (why.contains(PrematureResets.REASON)) {
            return Http2Floods.Kind.PREMATURE_RESETS;
        }
        if (why.contains("control frames")) {
            return Http2Floods.Kind.CONTROL_FRAMES;
        }
        return null;
    }

    @Override
    public void logRstStream(Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
        if (direction == Direction.OUTBOUND && errorCode == Http2Error.REFUSED_STREAM.code()) {
            floods.count(Http2Floods.Kind.STREAMS_OVER_LIMIT);
        }
        super.logRstStream(direction, ctx, streamId, errorCode);
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int padding, boolean endStream) {
        // Netty's own answer to a header block over the limit: a bare 431 (the gateway's responses carry more).
        if (direction == Direction.OUTBOUND && headers.size() == 1 && headers.status() != null
                && "431".contentEquals(headers.status())) {
            floods.count(Http2Floods.Kind.HEADER_LIST);
        }
        super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
    }
}
