package dev.gateway.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.redis.RedisHealth;
import dev.gateway.core.redis.RedisService;
import dev.gateway.server.reload.ConfigReloader;
import dev.gateway.server.reload.ReloadResult;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The admin listener's endpoints. Runs on the admin listener's own event loop, so a scrape never delays proxied
 * requests; a reload runs on the reloader's thread and answers when it is done.
 *
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process runs.</li>
 *   <li>{@code GET /health/ready}: 200 once the configuration is loaded and the proxy listener is bound, 503 before
 *       that and while draining. With Redis configured the body says {@code "redis": "up"} or {@code "down"} (with the
 *       reason); with {@code readiness: required}, Redis down is a 503.</li>
 *   <li>{@code GET /metrics}: Prometheus text format, or OpenMetrics when the scraper's Accept header asks.</li>
 *   <li>{@code GET /admin/config}: the configuration in force (version, when loaded, files), the last rejected
 *       reload with its errors, and settings that wait for a restart.</li>
 *   <li>{@code POST /admin/reload}: reloads; 200 with the new version, or 400 with every error as
 *       {@code file:line: key.path: message}. A write: it needs {@code Authorization: Bearer <admin.token>}.</li>
 *   <li>{@code GET /admin/upstreams}: each upstream's targets with their health, circuit breaker state and
 *       requests in flight (see {@link UpstreamsStatus}).</li>
 *   <li>{@code /admin/apps}: the apps (see {@link AppsApi}).</li>
 * </ul>
 */
@ChannelHandler.Sharable
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BooleanSupplier ready;
    private final PrometheusMeterRegistry metrics;
    private final ConfigReloader reloader;
    private final RedisService redis;
    private final AppsApi apps;

    /** @param metrics the registry to expose, or null when metrics are off (then /metrics is 404) */
    public AdminHandler(BooleanSupplier ready, PrometheusMeterRegistry metrics, ConfigReloader reloader) {
        this(ready, metrics, reloader, null, null, null);
    }

    /**
     * @param redis the shared Redis whose health readiness reports, or null without Redis
     * @param appStore the app records in Redis with {@code metadata.source: redis}, else null (the configuration
     *     files' apps are shown and writes answer 409)
     * @param metadata told about each app written here ({@code changed(key)})
     */
    public AdminHandler(BooleanSupplier ready, PrometheusMeterRegistry metrics, ConfigReloader reloader,
            RedisService redis, dev.gateway.core.metadata.AppRecords appStore,
            dev.gateway.core.metadata.MetadataSource metadata) {
        this.ready = ready;
        this.metrics = metrics;
        this.reloader = reloader;
        this.redis = redis;
        this.apps = new AppsApi(() -> reloader.current().get().config(), appStore, metadata, redis);
    }

    /** @param redis the shared Redis whose health readiness reports, or null without Redis */
    public AdminHandler(BooleanSupplier ready, PrometheusMeterRegistry metrics, ConfigReloader reloader,
            RedisService redis) {
        this(ready, metrics, reloader, redis, null, null);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (req.decoderResult().isFailure()) {
            send(ctx, false, HttpResponseStatus.BAD_REQUEST, error("bad_request", "the request is not valid HTTP"));
            return;
        }
        String path = req.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        HttpMethod m = req.method();
        boolean get = m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD);
        switch (path) {
            case "/health/live" -> {
                if (get) {
                    send(ctx, keepAlive, HttpResponseStatus.OK, "{\"status\":\"live\"}");
                    return;
                }
            }
            case "/health/ready" -> {
                if (get) {
                    readiness(ctx, keepAlive);
                    return;
                }
            }
            case "/metrics" -> {
                if (metrics == null) {
                    send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, error("not_found", "metrics are disabled"));
                    return;
                }
                if (get) {
                    scrape(ctx, req, keepAlive);
                    return;
                }
            }
            case "/admin/config" -> {
                if (get) {
                    send(ctx, keepAlive, HttpResponseStatus.OK, json(ConfigStatus.of(reloader)));
                    return;
                }
            }
            case "/admin/upstreams" -> {
                if (get) {
                    send(ctx, keepAlive, HttpResponseStatus.OK, json(UpstreamsStatus.of(reloader.current().get())));
                    return;
                }
            }
            case "/admin/reload" -> {
                if (m.equals(HttpMethod.POST)) {
                    reload(ctx, req, keepAlive);
                    return;
                }
                send(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, error("method_not_allowed", "use POST"));
                return;
            }
            default -> {
                if (path.equals(AppsApi.PATH) || path.startsWith(AppsApi.PATH + "/")) {
                    apps.handle(ctx, req, keepAlive, path);
                    return;
                }
                send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND,
                        error("not_found", "no admin endpoint at this path"));
                return;
            }
        }
        send(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, error("method_not_allowed", "use GET"));
    }

    /**
     * {@code {"status":"ready"}} or {@code not_ready}; with Redis, {@code "redis":"up"|"down"} and, when down, why.
     * Redis down makes it {@code not_ready} only with {@code readiness: required}.
     */
    private void readiness(ChannelHandlerContext ctx, boolean keepAlive) {
        boolean r = ready.getAsBoolean();
        if (redis == null) {
            send(ctx, keepAlive, r ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    r ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}");
            return;
        }
        RedisHealth h = redis.health();
        boolean required = redis.isRequiredForReadiness();
        r = r && (h.up() || !required);
        Map<String, Object> body = ordered("status", r ? "ready" : "not_ready", "redis", h.up() ? "up" : "down");
        if (!h.up()) {
            body.put("reason", "redis " + (required ? "is required" : "is down, serving degraded") + ": "
                    + h.reason());
            body.put("redis_down_since", h.since().toString());
        }
        send(ctx, keepAlive, r ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, json(body));
    }

    /**
     * Checks an admin write's bearer token against {@code configured}; when it is refused, answers (403
     * {@code admin_token_not_configured} or 401) and returns false.
     */
    static boolean authorized(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String configured) {
        AdminToken.Check check = AdminToken.check(configured, req.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (check == AdminToken.Check.NOT_CONFIGURED) {
            send(ctx, keepAlive, HttpResponseStatus.FORBIDDEN, error("admin_token_not_configured",
                    "admin writes are disabled: set admin.token (e.g. token: ${ADMIN_TOKEN})"));
            return false;
        }
        if (check == AdminToken.Check.REFUSED) {
            FullHttpResponse r = response(ctx, HttpResponseStatus.UNAUTHORIZED,
                    error("unauthorized", "a valid Authorization: Bearer <admin token> is required"));
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"gateway-admin\"");
            write(ctx, r, keepAlive);
            return false;
        }
        return true;
    }

    private void reload(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (!authorized(ctx, req, keepAlive, reloader.current().get().config().admin().token())) {
            return;
        }
        reloader.reload("admin").thenAccept(result -> ctx.executor().execute(() -> {
            if (result.outcome() == ReloadResult.Outcome.REJECTED) {
                send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, json(ordered(
                        "error", "invalid_configuration",
                        "message", "the configuration was rejected; version " + result.version()
                                + " stays in force",
                        "version", result.version(),
                        "errors", result.errors())));
            } else {
                send(ctx, keepAlive, HttpResponseStatus.OK, json(ordered(
                        "status", "reloaded",
                        "version", result.version(),
                        "previous_version", result.previousVersion(),
                        "restart_needed", result.restartNeeded(),
                        "cpu_ms", result.cpuNanos() / 1e6)));
            }
        }));
    }

    private void scrape(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
        String type = accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
        String text = metrics.scrape(type);
        ByteBuf body = ctx.alloc().buffer(text.length());
        body.writeCharSequence(text, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        write(ctx, r, keepAlive);
    }

    static String error(String code, String message) {
        return json(ordered("error", code, "message", message));
    }

    /** A JSON object's fields in the order given: name, value, name, value... */
    static Map<String, Object> ordered(Object... nameValue) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put((String) nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render admin JSON", e);
        }
    }

    static FullHttpResponse response(ChannelHandlerContext ctx, HttpResponseStatus status, String json) {
        ByteBuf body = ctx.alloc().buffer(json.length() + 1);
        body.writeCharSequence(json + "\n", StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        return r;
    }

    static void send(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String json) {
        write(ctx, response(ctx, status, json), keepAlive);
    }

    static void write(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (keepAlive) {
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
