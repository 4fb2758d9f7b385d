package dev.gateway.loadtest.loadgen;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacCredentials;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 upstream on 127.0.0.1, port 0, one event loop: answers {@code status} with a small body, can
 * stall (hold every request arriving in a window after its first request, then answer them all at once), and can
 * check hmac-auth signatures the way the gateway does (the gateway's own parser, signing string and verifier, the
 * date within 300 s, a signature seen twice is a replay), answering 401 to a bad one.
 */
final class TestUpstream implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final int status;
    private final long stallAtNanos;
    private final long stallForNanos;
    private final String appKey;
    private final byte[] secret;

    final AtomicLong requests = new AtomicLong();
    final AtomicLong held = new AtomicLong();
    final AtomicLong signedOk = new AtomicLong();
    final AtomicLong signedBad = new AtomicLong();
    final AtomicLong replayed = new AtomicLong();
    final AtomicLong unsigned = new AtomicLong();
    final AtomicLong bodyBytes = new AtomicLong();
    final AtomicLong heads = new AtomicLong();
    private final Set<String> signatures = ConcurrentHashMap.newKeySet();

    // Loop-confined.
    private long firstNanos;
    private final List<ChannelHandlerContext> holding = new ArrayList<>();
    private final List<Boolean> holdingKeepAlive = new ArrayList<>();

    private TestUpstream(int status, Duration stallAt, Duration stallFor, String appKey, String secret)
            throws InterruptedException {
        this.status = status;
        this.stallAtNanos = stallAt == null ? -1 : stallAt.toNanos();
        this.stallForNanos = stallFor == null ? 0 : stallFor.toNanos();
        this.appKey = appKey;
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        Handler handler = new Handler();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), handler);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    static TestUpstream answering(int status) throws InterruptedException {
        return new TestUpstream(status, null, null, null, null);
    }

    /** Holds every request that arrives between {@code at} and {@code at + stall} after the first request. */
    static TestUpstream stalling(Duration at, Duration stall) throws InterruptedException {
        return new TestUpstream(200, at, stall, null, null);
    }

    static TestUpstream verifyingHmac(String appKey, String secret) throws InterruptedException {
        return new TestUpstream(200, null, null, appKey, secret);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ChannelHandler.Sharable
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            bodyBytes.addAndGet(request.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            long now = System.nanoTime();
            if (firstNanos == 0) {
                firstNanos = now;
            }
            if (stallAtNanos >= 0 && now - firstNanos >= stallAtNanos && now - firstNanos < stallAtNanos
                    + stallForNanos) {
                if (holding.isEmpty()) {
                    long releaseAt = firstNanos + stallAtNanos + stallForNanos;
                    ctx.executor().schedule(this::releaseHeld, releaseAt - now, TimeUnit.NANOSECONDS);
                }
                held.incrementAndGet();
                holding.add(ctx);
                holdingKeepAlive.add(keepAlive);
                return;
            }
            int code = secret == null ? status : checkSignature(request);
            if (request.method().equals(HttpMethod.HEAD)) {
                heads.incrementAndGet();
                // As a real server answers HEAD: the length of the body it would send, and no body.
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.valueOf(code));
                HttpUtil.setContentLength(response, 11);
                ctx.writeAndFlush(response);
                return;
            }
            respond(ctx, code, keepAlive);
        }

        private void releaseHeld() {
            for (int i = 0; i < holding.size(); i++) {
                respond(holding.get(i), status, holdingKeepAlive.get(i));
            }
            holding.clear();
            holdingKeepAlive.clear();
        }

        private void respond(ChannelHandlerContext ctx, int code, boolean keepAlive) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(code), Unpooled.copiedBuffer("{\"ok\":true}", StandardCharsets.US_ASCII));
            HttpUtil.setContentLength(response, response.content().readableBytes());
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        private int checkSignature(FullHttpRequest request) {
            String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (authorization == null) {
                unsigned.incrementAndGet();
                return 401;
            }
            HmacCredentials c = HmacCredentials.parse(authorization).credentials();
            String date = request.headers().get("x-date");
            boolean ok = c != null && c.username().equals(appKey) && c.algorithm() == HmacAlgorithm.HMAC_SHA256
                    && date != null && fresh(date)
                    && HmacVerifier.verify(c.algorithm(), List.of(secret),
                            SigningString.build(c.headers(), request.method().name(), request.uri(), "HTTP/1.1",
                                    name -> request.headers().get(name)),
                            c.signature())
                    && digestMatches(request);
            if (!ok) {
                signedBad.incrementAndGet();
                return 401;
            }
            if (!signatures.add(c.signature())) {
                replayed.incrementAndGet();
                return 401;
            }
            signedOk.incrementAndGet();
            return 200;
        }

        private boolean fresh(String date) {
            ZonedDateTime t = ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US));
            return Math.abs(t.toEpochSecond() - System.currentTimeMillis() / 1000) <= 300;
        }

        private boolean digestMatches(FullHttpRequest request) {
            if (request.content().readableBytes() == 0) {
                return true;
            }
            String digest = request.headers().get("digest");
            try {
                byte[] sha = MessageDigest.getInstance("SHA-256").digest(ByteBufUtil.getBytes(request.content()));
                return ("SHA-256=" + Base64.getEncoder().encodeToString(sha)).equals(digest);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
