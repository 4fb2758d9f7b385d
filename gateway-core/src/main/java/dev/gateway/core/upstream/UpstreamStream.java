package dev.gateway.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/**
 * A connection as one upstream attempt uses it: it carries one request and one response, whose events go to the
 * {@link UpstreamListener} it was acquired for. A pooled HTTP/1.1 {@link UpstreamConnection} is one; an HTTP/2 stream
 * can be another without the attempt or its retry loop knowing. Used on its event loop only.
 */
public interface UpstreamStream {

    /** Writes the request head ({@code HttpRequest}) or a piece of its body ({@code HttpContent}) without flushing. */
    void write(Object msg);

    void flush();

    /** True while the stream takes more request bytes; its listener hears when that changes. */
    boolean isWritable();

    /** Resumes (true) or pauses (false) reading the response: the client is backed up. */
    void setAutoRead(boolean autoRead);

    /**
     * Ends the stream's part in the attempt: {@code reusable} (complete response, keep-alive) lets it serve another;
     * otherwise it closes. The listener gets no further events.
     */
    void release(boolean reusable);

    /** Detaches the listener and closes the stream (the attempt is given up). */
    void abort();

    /** The channel the stream's bytes travel on (a WebSocket relays it after {@link #switchProtocols}). */
    Channel channel();

    /**
     * Leaves HTTP after a 101: the stream no longer belongs to its pool and its listener; {@code next} gets the bytes
     * that follow. Call only from {@link UpstreamListener#onResponseHead} of a 101.
     */
    void switchProtocols(ChannelHandler next);
}
