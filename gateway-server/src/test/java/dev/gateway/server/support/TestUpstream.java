package dev.gateway.server.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 server on an ephemeral 127.0.0.1 port for tests. Records what it receives and answers according
 * to a {@link Behavior}; counts accepted connections so keep-alive reuse can be asserted.
 */
public final class TestUpstream implements AutoCloseable {

    /** One received request: head plus body length and SHA-256. */
    public record Received(String method, String uri, HttpHeaders headers, long bodyBytes, String bodySha256) {}

    /** Decides the answer for one fully received request. */
    public interface Behavior {
        void respond(ChannelHandlerContext ctx, Received request, TestUpstream upstream);
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final String name;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<HttpHeaders> trailers = new CopyOnWriteArrayList<>();
    private final AtomicLong bytesWritten = new AtomicLong();
    private volatile Behavior behavior;

    private TestUpstream(String name, int port, Behavior behavior) throws InterruptedException {
        this.name = name;
        this.behavior = behavior;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        openConnections.incrementAndGet();
                        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
                        ch.pipeline().addLast(new HttpServerCodec()).addLast(new Handler());
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
    }

    public static TestUpstream start(String name, Behavior behavior) {
        return start(name, 0, behavior);
    }

    /** A server on {@code port} of 127.0.0.1 (0: an ephemeral one), e.g. to restart a killed upstream where it was. */
    public static TestUpstream start(String name, int port, Behavior behavior) {
        try {
            return new TestUpstream(name, port, behavior);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers 200 with a small JSON body naming this upstream and the received URI. */
    public static TestUpstream echo(String name) {
        return start(name, echoBehavior(name));
    }

    public static Behavior echoBehavior(String name) {
        return (ctx, r, up) -> up.sendText(ctx, r, 200,
                "{\"upstream\":\"" + name + "\",\"uri\":\"" + r.uri() + "\",\"body_bytes\":" + r.bodyBytes() + "}");
    }

    public void behavior(Behavior b) {
        this.behavior = b;
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public String name() {
        return name;
    }

    /** Connections accepted since start. */
    public int connections() {
        return connections.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return openConnections.get();
    }

    public List<Received> received() {
        return received;
    }

    /** The trailer section of each received request, in order (empty for none). */
    public List<HttpHeaders> trailers() {
        return trailers;
    }

    public Received last() {
        return received.get(received.size() - 1);
    }

    /** Body bytes this upstream has handed to its socket (for back-pressure assertions). */
    public long bytesWritten() {
        return bytesWritten.get();
    }

    public void sendText(ChannelHandlerContext ctx, Received r, int status, String body) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                buf);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        resp.headers().set("X-Upstream", name);
        ctx.writeAndFlush(resp);
    }

    /** Streams {@code total} bytes of a repeating pattern as a chunked (or sized) body, honouring writability. */
    public void sendStream(ChannelHandlerContext ctx, long total, boolean chunked) {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(head, true);
        } else {
            HttpUtil.setContentLength(head, total);
        }
        ctx.writeAndFlush(head);
        new Streamer(ctx, total).run();
    }

    /** Piece size of {@link #sendStream}; the a..z pattern restarts at each piece. */
    public static final int STREAM_PIECE = 16 * 1024;

    /** The byte at {@code offset} of a body sent by {@link #sendStream}: a..z repeating within each 16 KiB piece. */
    public static byte streamByteAt(long offset) {
        return (byte) ('a' + (offset % STREAM_PIECE) % 26);
    }

    private static final byte[] STREAM_PATTERN = new byte[STREAM_PIECE];

    static {
        for (int i = 0; i < STREAM_PIECE; i++) {
            STREAM_PATTERN[i] = streamByteAt(i);
        }
    }

    private final class Streamer implements Runnable {
        private final ChannelHandlerContext ctx;
        private long left;

        Streamer(ChannelHandlerContext ctx, long total) {
            this.ctx = ctx;
            this.left = total;
        }

        @Override
        public void run() {
            Channel ch = ctx.channel();
            while (left > 0 && ch.isActive()) {
                if (!ch.isWritable()) {
                    // Resume when the socket drains; poll on the loop (this is the upstream side of a test).
                    ch.eventLoop().schedule(this, 1, TimeUnit.MILLISECONDS);
                    return;
                }
                int n = (int) Math.min(left, STREAM_PIECE);
                // One bulk write per piece: under paranoid leak detection every buffer access records a trace.
                ByteBuf buf = ctx.alloc().buffer(n).writeBytes(STREAM_PATTERN, 0, n);
                left -= n;
                bytesWritten.addAndGet(n);
                ctx.writeAndFlush(new DefaultHttpContent(buf));
            }
            if (left == 0 && ch.isActive()) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private HttpRequest request;
        private long bodyBytes;
        private MessageDigest digest;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest req) {
                    request = req;
                    bodyBytes = 0;
                    try {
                        digest = MessageDigest.getInstance("SHA-256");
                    } catch (NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
                if (msg instanceof HttpContent c && request != null) {
                    ByteBuf b = c.content();
                    bodyBytes += b.readableBytes();
                    digest.update(b.nioBuffer());
                    if (c instanceof LastHttpContent) {
                        Received r = new Received(request.method().name(), request.uri(), request.headers().copy(),
                                bodyBytes, HexFormat.of().formatHex(digest.digest()));
                        received.add(r);
                        trailers.add(((LastHttpContent) c).trailingHeaders().copy());
                        request = null;
                        behavior.respond(ctx, r, TestUpstream.this);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Closes the connection without answering. */
    public static void hangUp(ChannelHandlerContext ctx) {
        ctx.close();
    }

    /** Sends the head and part of a sized body, then closes. */
    public static void dieMidBody(ChannelHandlerContext ctx) {
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(head, 100_000);
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[10_000])))
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
