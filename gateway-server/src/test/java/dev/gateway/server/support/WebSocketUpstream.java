package dev.gateway.server.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real WebSocket server (Netty's {@link WebSocketServerProtocolHandler}) on an ephemeral 127.0.0.1 port. It echoes
 * text and binary frames and obeys a few text commands: {@code close} (it sends a close frame 1000 "bye" and closes),
 * {@code push:<frames>:<size>} (it pushes numbered binary frames, writing only while its channel is writable). A
 * handshake to a path starting with {@code /ws/refuse} is answered 403; a request without Upgrade gets 200 "plain";
 * after a handshake to {@code /ws/greet} it sends "hello" first. Records every request head it receives.
 */
public final class WebSocketUpstream implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final List<HttpHeaders> requests = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final List<Channel> webSockets = new CopyOnWriteArrayList<>();
    private volatile Pusher pusher;

    private WebSocketUpstream() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new Gate(),
                                new WebSocketServerProtocolHandler(WebSocketServerProtocolConfig.newBuilder()
                                        .websocketPath("/").checkStartsWith(true)
                                        .maxFramePayloadLength(1 << 20).build()),
                                new Frames());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public static WebSocketUpstream start() {
        try {
            return new WebSocketUpstream();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Request heads received (handshakes and plain requests), in order. */
    public List<HttpHeaders> requests() {
        return requests;
    }

    public List<String> paths() {
        return paths;
    }

    /** Connections accepted since start. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return open.get();
    }

    /** The connection of the latest handshake passed to the WebSocket handler. */
    public Channel lastWebSocket() {
        return webSockets.get(webSockets.size() - 1);
    }

    /** The running or last {@code push} command, or null. */
    public Pusher pusher() {
        return pusher;
    }

    /** Answers what is not a WebSocket handshake for this test server's paths itself. */
    private final class Gate extends SimpleChannelInboundHandler<FullHttpRequest> {
        Gate() {
            super(false);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            requests.add(req.headers().copy());
            paths.add(req.uri());
            if (req.uri().startsWith("/ws/refuse")) {
                req.release();
                respond(ctx, HttpResponseStatus.FORBIDDEN, "no websockets here");
            } else if (!req.headers().contains(HttpHeaderNames.UPGRADE)) {
                req.release();
                respond(ctx, HttpResponseStatus.OK, "plain");
            } else {
                webSockets.add(ctx.channel()); // before the 101 goes out
                ctx.fireChannelRead(req);
            }
        }

        private void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            HttpUtil.setContentLength(r, r.content().readableBytes());
            ctx.writeAndFlush(r);
        }
    }

    private final class Frames extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc
                    && hc.requestUri().startsWith("/ws/greet")) {
                ctx.writeAndFlush(new TextWebSocketFrame("hello"));
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame t) {
                String text = t.text();
                if (text.equals("close")) {
                    t.release();
                    ctx.writeAndFlush(new CloseWebSocketFrame(1000, "bye")).addListener(ChannelFutureListener.CLOSE);
                } else if (text.startsWith("push:")) {
                    t.release();
                    String[] p = text.split(":");
                    Pusher push = new Pusher(ctx, Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                    pusher = push;
                    push.run();
                } else {
                    ctx.writeAndFlush(t); // echo
                }
            } else if (msg instanceof BinaryWebSocketFrame || msg instanceof WebSocketFrame) {
                ctx.writeAndFlush(msg); // echo
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Pusher p = pusher;
            if (p != null && ctx.channel().isWritable()) {
                p.run();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Pushes numbered binary frames (the first 4 bytes are the frame's number), only while the channel is writable. */
    public static final class Pusher {
        private final ChannelHandlerContext ctx;
        private final int frames;
        private final int size;
        private volatile int sent;
        private volatile boolean blocked;

        Pusher(ChannelHandlerContext ctx, int frames, int size) {
            this.ctx = ctx;
            this.frames = frames;
            this.size = size;
        }

        void run() {
            Channel ch = ctx.channel();
            while (sent < frames && ch.isActive()) {
                if (!ch.isWritable()) {
                    blocked = true;
                    return; // channelWritabilityChanged resumes
                }
                ByteBuf b = ctx.alloc().buffer(size);
                b.writeInt(sent).writeZero(size - 4);
                sent++;
                ctx.writeAndFlush(new BinaryWebSocketFrame(b));
            }
            blocked = false;
        }

        /** Frames written so far. */
        public int sent() {
            return sent;
        }

        /** True while the push waits for its channel to become writable again (the peer reads nothing). */
        public boolean isBlocked() {
            return blocked && ctx.channel().isActive() && !ctx.channel().isWritable();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
