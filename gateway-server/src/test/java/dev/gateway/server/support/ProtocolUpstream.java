package dev.gateway.server.support;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real server on an ephemeral 127.0.0.1 port for the upstream protocol tests: HTTP/1.1 over TLS, HTTP/2 over TLS
 * (ALPN h2) or HTTP/2 over cleartext (prior knowledge), on Netty's own codecs. It records connections, the SNI names
 * and client certificates it saw and the requests it received, and answers through a {@link Behavior} called once a
 * request (head, body, trailers) is complete.
 */
public final class ProtocolUpstream implements AutoCloseable {

    public enum Mode { H1_TLS, H2_TLS, H2C }

    /** One received request. */
    public record Request(Http2Headers headers, byte[] body, Http2Headers trailers) {
        public String path() {
            return headers.path() == null ? null : headers.path().toString();
        }

        public String header(String name) {
            CharSequence v = headers.get(name);
            return v == null ? null : v.toString();
        }
    }

    /** Answers one request; for h2 {@code ctx} is the stream's, for HTTP/1.1 the connection's. */
    public interface Behavior {
        void respond(ChannelHandlerContext ctx, Request request, ProtocolUpstream upstream);
    }

    /** Server TLS settings: its certificate, and the CA whose client certificates it requires (or null). */
    public record Tls(X509Bundle certificate, X509Bundle requireClientCertsOf) {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final Mode mode;
    private volatile Behavior behavior;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final AtomicInteger maxActiveStreams = new AtomicInteger();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final List<String> sniNames = new CopyOnWriteArrayList<>();
    private final List<String> clientSubjects = new CopyOnWriteArrayList<>();
    private final List<String> protocols = new CopyOnWriteArrayList<>();
    private final List<Request> received = new CopyOnWriteArrayList<>();

    private ProtocolUpstream(Mode mode, Tls tls, long maxConcurrentStreams, Behavior behavior) throws Exception {
        this.mode = mode;
        this.behavior = behavior;
        this.maxConcurrentStreams = maxConcurrentStreams;
        SslContext ssl = tls == null ? null : serverContext(mode, tls);
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        openConnections.incrementAndGet();
                        ch.closeFuture().addListener(f -> openConnections.decrementAndGet());
                        if (ssl != null) {
                            ch.pipeline().addLast(new SniHandler(host -> {
                                sniNames.add(host == null ? "" : host);
                                return ssl;
                            }));
                            ch.pipeline().addLast(new HandshakeRecorder());
                        }
                        if (mode == Mode.H1_TLS) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                    new H1Handler());
                        } else if (mode == Mode.H2C) {
                            addHttp2(ch);
                        }
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    private final long maxConcurrentStreams;

    /** The HTTP/2 server handlers (over TLS: once the handshake agreed on h2, so the preface is encrypted). */
    private void addHttp2(Channel ch) {
        Http2Settings s = Http2Settings.defaultSettings();
        if (maxConcurrentStreams > 0) {
            s.maxConcurrentStreams(maxConcurrentStreams);
        }
        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(s).build());
        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel sc) {
                streams.incrementAndGet();
                int now = activeStreams.incrementAndGet();
                maxActiveStreams.accumulateAndGet(now, Math::max);
                sc.closeFuture().addListener(f -> activeStreams.decrementAndGet());
                sc.pipeline().addLast(new StreamHandler());
            }
        }));
    }

    public static ProtocolUpstream h2c(long maxConcurrentStreams, Behavior b) throws Exception {
        return new ProtocolUpstream(Mode.H2C, null, maxConcurrentStreams, b);
    }

    public static ProtocolUpstream h2Tls(Tls tls, Behavior b) throws Exception {
        return new ProtocolUpstream(Mode.H2_TLS, tls, 0, b);
    }

    public static ProtocolUpstream h1Tls(Tls tls, Behavior b) throws Exception {
        return new ProtocolUpstream(Mode.H1_TLS, tls, 0, b);
    }

    private static SslContext serverContext(Mode mode, Tls tls) throws Exception {
        X509Bundle c = tls.certificate();
        SslContextBuilder b = SslContextBuilder.forServer(
                new ByteArrayInputStream(c.getCertificatePathPEM().getBytes(StandardCharsets.US_ASCII)),
                new ByteArrayInputStream(c.getPrivateKeyPEM().getBytes(StandardCharsets.US_ASCII)));
        if (tls.requireClientCertsOf() != null) {
            b.clientAuth(ClientAuth.REQUIRE).trustManager(tls.requireClientCertsOf().getCertificate());
        }
        if (mode == Mode.H2_TLS) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
        }
        return b.build();
    }

    /** An answer with a text body (and, for h2, optional trailers). */
    public static Behavior text(int status, String body) {
        return (ctx, r, up) -> up.respond(ctx, status, body, null);
    }

    public void behavior(Behavior b) {
        this.behavior = b;
    }

    public int port() {
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    public Mode mode() {
        return mode;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    public int openConnections() {
        return openConnections.get();
    }

    /** HTTP/2 streams the peer opened. */
    public int streams() {
        return streams.get();
    }

    /** The most streams that were open at once. */
    public int maxActiveStreams() {
        return maxActiveStreams.get();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    public List<String> sniNames() {
        return List.copyOf(sniNames);
    }

    public List<String> clientSubjects() {
        return List.copyOf(clientSubjects);
    }

    /** The ALPN protocol each TLS connection agreed on ("" for none). */
    public List<String> protocols() {
        return List.copyOf(protocols);
    }

    public List<Request> received() {
        return List.copyOf(received);
    }

    /** Answers on an h2 stream or an HTTP/1.1 connection: status, text body, h2 trailers (may be null). */
    public void respond(ChannelHandlerContext ctx, int status, String body, Http2Headers trailers) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (mode == Mode.H1_TLS) {
            DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(b));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            HttpUtil.setContentLength(r, b.length);
            ctx.writeAndFlush(r);
            return;
        }
        Http2Headers h = new DefaultHttp2Headers().status(Integer.toString(status)).set("content-type", "text/plain");
        ctx.write(new DefaultHttp2HeadersFrame(h, false));
        ctx.write(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(b), trailers == null));
        if (trailers != null) {
            ctx.write(new DefaultHttp2HeadersFrame(trailers, true));
        }
        ctx.flush();
    }

    /**
     * Streams {@code total} bytes of the a..z pattern on an h2 stream, in 16 KiB DATA frames written only while the
     * stream is writable (its flow-control window is open): what it wrote stops growing when the peer stops
     * reading.
     */
    public void stream(ChannelHandlerContext ctx, long total) {
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), false));
        StreamHandler h = ctx.pipeline().get(StreamHandler.class);
        h.left = total;
        h.pump(ctx);
    }

    private final class HandshakeRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && e.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                String p = ssl.applicationProtocol();
                protocols.add(p == null ? "" : p);
                if (mode == Mode.H2_TLS && "h2".equals(p)) {
                    addHttp2(ctx.channel());
                }
                try {
                    X509Certificate peer = (X509Certificate) ssl.engine().getSession().getPeerCertificates()[0];
                    clientSubjects.add(peer.getSubjectX500Principal().getName());
                } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                    // no client certificate
                }
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    private final class H1Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof FullHttpRequest r) {
                    Http2Headers h = new DefaultHttp2Headers(false).path(r.uri()).method(r.method().name());
                    r.headers().forEach(e -> h.add(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
                    byte[] body = new byte[r.content().readableBytes()];
                    r.content().getBytes(r.content().readerIndex(), body);
                    Request req = new Request(h, body, null);
                    received.add(req);
                    behavior.respond(ctx, req, ProtocolUpstream.this);
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

    private static final byte[] PATTERN = new byte[TestUpstream.STREAM_PIECE];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = TestUpstream.streamByteAt(i);
        }
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        private Http2Headers headers;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private long left;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                Http2Headers trailers = null;
                if (msg instanceof Http2HeadersFrame hf) {
                    if (headers == null) {
                        headers = hf.headers();
                    } else {
                        trailers = hf.headers();
                    }
                    end = hf.isEndStream();
                } else if (msg instanceof Http2DataFrame df) {
                    ByteBuf c = df.content();
                    byte[] b = new byte[c.readableBytes()];
                    c.getBytes(c.readerIndex(), b);
                    body.writeBytes(b);
                    end = df.isEndStream();
                }
                if (end) {
                    Request r = new Request(headers, body.toByteArray(), trailers);
                    received.add(r);
                    behavior.respond(ctx, r, ProtocolUpstream.this);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        void pump(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            while (left > 0 && ch.isActive() && ch.isWritable()) {
                int n = (int) Math.min(left, PATTERN.length);
                // Every piece is TestUpstream's pattern (it starts again at each 16 KiB piece).
                ByteBuf buf = ctx.alloc().buffer(n).writeBytes(PATTERN, 0, n);
                left -= n;
                bytesWritten.addAndGet(n);
                ctx.write(new DefaultHttp2DataFrame(buf, left == 0));
            }
            ctx.flush();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (left > 0) {
                pump(ctx);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
