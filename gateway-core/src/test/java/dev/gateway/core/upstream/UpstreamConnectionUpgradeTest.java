package dev.gateway.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A pooled connection switching protocols after a 101, without sockets. */
class UpstreamConnectionUpgradeTest {
    private static final String SWITCHING = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    /** A server's text frame "hello" (unmasked), as a WebSocket upstream sends it right after its 101. */
    private static final byte[] FRAME = {(byte) 0x81, 5, 'h', 'e', 'l', 'l', 'o'};

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Endpoint endpoint = new Endpoint(new Endpoint.Key("http", "127.0.0.1", 9,
            new InetSocketAddress("127.0.0.1", 9)), 1);
    private final ConnectionPool pool = new ConnectionPool(new UpstreamClient(Transport.nio(), 1),
            channel.eventLoop(), endpoint, new UpstreamGroup.PoolSettings(4, 4, 1000, 1_000_000_000L), new Bootstrap());
    private final UpstreamConnection connection = new UpstreamConnection(pool);
    private final List<String> events = new ArrayList<>();
    private final List<ByteBuf> relayed = new ArrayList<>();

    /** The handler that takes the connection over (a relay, in the server). */
    private final ChannelInboundHandlerAdapter next = new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relayed.add((ByteBuf) msg);
        }
    };

    /** Switches protocols on a 101 if {@code upgrade}, records everything. */
    private UpstreamListener listener(boolean upgrade) {
        return new UpstreamListener() {
            @Override
            public void onConnected(UpstreamStream c, boolean reused) {}

            @Override
            public void onConnectFailed(ConnectFailure failure, Throwable cause) {}

            @Override
            public void onResponseHead(ResponseHead head) {
                events.add("head " + head.status());
                if (upgrade && head.status() == 101) {
                    connection.switchProtocols(next);
                }
            }

            @Override
            public void onResponseContent(ByteBuf in, int index, int length) {
                events.add("content");
            }

            @Override
            public void onResponseEnd(ByteBuf trailers) {
                events.add("end");
            }

            @Override
            public void onUpstreamReadComplete() {}

            @Override
            public void onUpstreamWritabilityChanged(boolean writable) {}

            @Override
            public void onUpstreamClosed(Throwable cause) {
                events.add("closed");
            }
        };
    }

    @AfterEach
    void release() {
        relayed.forEach(ByteBuf::release);
        channel.finishAndReleaseAll();
    }

    private void start(boolean upgrade) {
        channel.pipeline().addLast("encoder", new HttpRequestEncoder()).addLast("upstream", connection);
        connection.bind(listener(upgrade));
    }

    private static ByteBuf bytes(byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b;
    }

    @Test
    void bytesReadWithThe101HeadGoToTheHandlerThatTakesOver() {
        start(true);

        channel.writeInbound(bytes(SWITCHING.getBytes(StandardCharsets.US_ASCII), FRAME));

        assertThat(events).containsExactly("head 101");
        assertThat(relayed).hasSize(1);
        byte[] got = new byte[relayed.get(0).readableBytes()];
        relayed.get(0).readBytes(got);
        assertThat(got).isEqualTo(FRAME);
    }

    @Test
    void theHttpCodecLeavesThePipelineAndWritesAreRawBytes() {
        start(true);

        channel.writeInbound(bytes(SWITCHING.getBytes(StandardCharsets.US_ASCII)));
        channel.writeInbound(bytes(FRAME));
        channel.writeOutbound(bytes(FRAME));

        assertThat(channel.pipeline().get(UpstreamConnection.class)).isNull();
        assertThat(channel.pipeline().get(HttpRequestEncoder.class)).isNull();
        assertThat(relayed).hasSize(1);
        ByteBuf out = channel.readOutbound();
        assertThat(out.readableBytes()).isEqualTo(FRAME.length);
        out.release();
    }

    @Test
    void theSwitchedConnectionLeavesThePoolsAccounting() {
        start(true);
        int open = pool.open();
        assertThat(endpoint.outstanding()).isEqualTo(1);

        channel.writeInbound(bytes(SWITCHING.getBytes(StandardCharsets.US_ASCII)));

        assertThat(endpoint.outstanding()).as("no longer a request in flight").isZero();
        assertThat(pool.open()).as("no longer counted as the pool's").isEqualTo(open - 1);
        channel.close();
        assertThat(pool.open()).as("its close is not counted again").isEqualTo(open - 1);
        assertThat(events).doesNotContain("closed");
    }

    @Test
    void a101NobodyTakesOverEndsTheResponseAsBefore() {
        start(false);

        channel.writeInbound(bytes(SWITCHING.getBytes(StandardCharsets.US_ASCII)));

        assertThat(events).containsExactly("head 101", "end");
        assertThat(channel.pipeline().get(UpstreamConnection.class)).isNotNull();
    }
}
