package dev.gateway.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Admin endpoints: {@code GET /health/live} (200 while the process runs) and {@code GET /health/ready} (200 once
 * the configuration is loaded and the proxy listener is bound, 503 before that and while draining).
 */
@ChannelHandler.Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final BooleanSupplier ready;

    public AdminHandler(BooleanSupplier ready) {
        this.ready = ready;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            send(ctx, req, HttpResponseStatus.BAD_REQUEST, "{\"error\":\"bad_request\"}", true);
            return;
        }
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        switch (path) {
            case "/health/live" -> {
                if (get) {
                    send(ctx, req, HttpResponseStatus.OK, "{\"status\":\"live\"}", false);
                    return;
                }
            }
            case "/health/ready" -> {
                if (get) {
                    boolean r = ready.getAsBoolean();
                    send(ctx, req, r ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                            r ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}", false);
                    return;
                }
            }
            default -> {
                send(ctx, req, HttpResponseStatus.NOT_FOUND,
                        "{\"error\":\"not_found\",\"message\":\"no admin endpoint at this path\"}", false);
                return;
            }
        }
        send(ctx, req, HttpResponseStatus.METHOD_NOT_ALLOWED,
                "{\"error\":\"method_not_allowed\",\"message\":\"use GET\"}", false);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, HttpResponseStatus status, String json,
            boolean close) {
        ByteBuf body = ctx.alloc().buffer(json.length() + 1);
        body.writeCharSequence(json + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        boolean keepAlive = !close && HttpUtil.isKeepAlive(req);
        if (!keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(r);
        }
    }
}
