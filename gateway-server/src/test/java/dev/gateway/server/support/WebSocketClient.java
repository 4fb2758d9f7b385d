package dev.gateway.server.support;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real WebSocket client (Netty's {@link WebSocketClientProtocolHandler}): connects, completes the handshake and
 * queues every frame it receives (as a {@link Frame}, the Netty frame released at once). Close frames are queued
 * too, not answered.
 */
public final class WebSocketClient implements AutoCloseable {
    private static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    /** A received frame: "text", "binary" or "close" (with its status code). */
    public record Frame(String type, byte[] data, int closeStatus) {
        public String text() {
            return new String(data, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final Channel channel;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> handshake = new CompletableFuture<>();

    private WebSocketClient(int port, String path, HttpHeaders headers) throws InterruptedException {
        URI uri = URI.create("ws://127.0.0.1:" + port + path);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder().webSocketUri(uri)
                .customHeaders(headers).maxFramePayloadLength(1 << 20).handleCloseFrames(false)
                .handshakeTimeoutMillis(10_000).build();
        channel = new Bootstrap().group(GROUP).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(65536),
                                new WebSocketClientProtocolHandler(config), new Collector());
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
    }

    /** Connects and waits (up to 10 s) for the handshake; throws if the gateway or upstream refuses it. */
    public static WebSocketClient connect(int port, String path, HttpHeaders headers) throws Exception {
        WebSocketClient c = new WebSocketClient(port, path, headers);
        try {
            c.handshake.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    public static WebSocketClient connect(int port, String path) throws Exception {
        return connect(port, path, new DefaultHttpHeaders());
    }

    public Channel channel() {
        return channel;
    }

    public void sendText(String text) {
        channel.writeAndFlush(new TextWebSocketFrame(text)).syncUninterruptibly();
    }

    public void sendBinary(byte[] data) {
        channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data))).syncUninterruptibly();
    }

    public void sendClose(int status, String reason) {
        channel.writeAndFlush(new CloseWebSocketFrame(status, reason)).syncUninterruptibly();
    }

    /** The next frame received, waiting at most {@code max}; throws AssertionError if none comes. */
    public Frame next(Duration max) throws InterruptedException {
        Frame f = frames.poll(max.toMillis(), TimeUnit.MILLISECONDS);
        if (f == null) {
            throw new AssertionError("no frame within " + max);
        }
        return f;
    }

    /** Waits (at most {@code max}) until the connection is closed; true if it was. */
    public boolean awaitClosed(Duration max) {
        return channel.closeFuture().awaitUninterruptibly(max.toMillis());
    }

    private final class Collector extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                handshake.complete(null);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                handshake.completeExceptionally(new AssertionError("handshake timed out"));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof CloseWebSocketFrame c) {
                    frames.add(new Frame("close", ByteBufUtil.getBytes(c.content()), c.statusCode()));
                } else if (msg instanceof TextWebSocketFrame t) {
                    frames.add(new Frame("text", ByteBufUtil.getBytes(t.content()), -1));
                } else if (msg instanceof BinaryWebSocketFrame b) {
                    frames.add(new Frame("binary", ByteBufUtil.getBytes(b.content()), -1));
                } else if (msg instanceof WebSocketFrame) {
                    // ping/pong: nothing to record
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            handshake.completeExceptionally(new AssertionError("closed before the handshake completed"));
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            handshake.completeExceptionally(cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
