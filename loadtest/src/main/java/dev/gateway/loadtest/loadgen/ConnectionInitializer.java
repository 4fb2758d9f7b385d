package dev.gateway.loadtest.loadgen;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseDecoder;

/** Response decoding only: requests are written as prebuilt bytes, so no encoder is needed. */
final class ConnectionInitializer extends ChannelInitializer<Channel> {
    private final Connection connection;
    private final boolean head;

    ConnectionInitializer(Connection connection, boolean head) {
        this.connection = connection;
        this.head = head;
    }

    @Override
    protected void initChannel(Channel ch) {
        ch.pipeline().addLast(new ResponseDecoder(head), connection);
    }

    /** Knows that a response to HEAD has no body, as the client codec would (every request of a run is HEAD). */
    private static final class ResponseDecoder extends HttpResponseDecoder {
        private final boolean head;

        ResponseDecoder(boolean head) {
            this.head = head;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            return head || super.isContentAlwaysEmpty(msg);
        }
    }
}
