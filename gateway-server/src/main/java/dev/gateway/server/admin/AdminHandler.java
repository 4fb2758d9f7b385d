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
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.BooleanSupplier;

/**
 * Admin endpoints: {@code GET /health/live} (200 while the process runs), {@code GET /health/ready} (200 once
 * the configuration is loaded and the proxy listener is bound, 503 before that and while draining) and
 * {@code GET /metrics} (Prometheus text format, or OpenMetrics when the scraper's Accept header asks for it).
 * Runs on the admin listener's own event loop, so a scrape never delays proxied requests.
 */
@ChannelHandler.Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final BooleanSupplier ready;
    private final PrometheusMeterRegistry metrics;

    /** @param metrics the registry to expose, or null when metrics are off (then /metrics is 404) */
    public AdminHandler(BooleanSupplier ready, PrometheusMeterRegistry metrics) {
        this.ready = ready;
        this.metrics = metrics;
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
            case "/metrics" -> {
                if (get && metrics != null) {
                    scrape(ctx, req);
                    return;
                }
                if (metrics == null) {
                    send(ctx, req, HttpResponseStatus.NOT_FOUND,
                            "{\"error\":\"not_found\",\"message\":\"metrics are disabled\"}", false);
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

    private void scrape(ChannelHandlerContext ctx, FullHttpRequest req) {
        String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
        String type = accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
        String text = metrics.scrape(type);
        ByteBuf body = ctx.alloc().buffer(text.length());
        body.writeCharSequence(text, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (HttpUtil.isKeepAlive(req)) {
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
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
