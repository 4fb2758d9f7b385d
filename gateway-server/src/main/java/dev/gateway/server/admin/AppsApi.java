package dev.gateway.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.App;
import dev.gateway.core.config.AppChecks;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.metadata.AppJson;
import dev.gateway.core.metadata.AppRecords;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.redis.ScanPages;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app API on the admin listener. Bodies are apps as in {@code apps.yml} ({@link AppJson}); a GET never shows a
 * secret in full ({@link AppJson#writeMasked}).
 *
 * <ul>
 *   <li>{@code GET /admin/apps?cursor=&limit=100}: a page {@code {"apps":[...],"cursor":"<next>"|null}}.</li>
 *   <li>{@code GET /admin/apps/{key}}: the app, or 404 {@code app_not_found}.</li>
 *   <li>{@code PUT /admin/apps/{key}}: creates (201) or replaces (200) it, answering the app as a GET would; 400
 *       {@code invalid_app} lists every problem, unknown routes and route groups of the configuration in force
 *       included.</li>
 *   <li>{@code DELETE /admin/apps/{key}}: 204, or 404 {@code app_not_found}.</li>
 *   <li>{@code POST /admin/apps/_resync}: 202 {@code {"resync":"published","nodes":N}}: publishes the resync message
 *       ({@link AppRecords#RESYNC}), so every node (this one too) rebuilds its Bloom filter and reads its cached
 *       apps again; for records written straight into Redis without a change message. No app key starts with
 *       {@code _}.</li>
 * </ul>
 *
 * <p>Writes need the admin bearer token (401, or 403 without a configured token). With {@code metadata.source: file}
 * the apps are the configuration files': GETs show them (cursor: an offset) and writes answer 409
 * {@code apps_managed_in_file}. With {@code source: redis} the apps are Redis records ({@link AppRecords}); a write
 * tells this node's metadata source at once and publishes the key on the change channel for every other node. Redis
 * failing answers 503 {@code redis_unavailable}.
 *
 * <p>Runs on the admin event loop and never blocks it: Redis commands are started there and the answer is written
 * from the admin channel's loop when they complete.
 */
final class AppsApi {
    private static final Logger logger = LoggerFactory.getLogger(AppsApi.class);
    static final String PATH = "/admin/apps";
    static final String RESYNC = "_resync";
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    /** A cursor with {@code source: file}: an offset into the files' apps. */
    private static final Pattern OFFSET = Pattern.compile("[0-9]{1,20}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<GatewayConfig> config;
    /** Null with {@code source: file}. */
    private final AppRecords records;
    private final MetadataSource metadata;
    private final RedisService redis;

    AppsApi(Supplier<GatewayConfig> config, AppRecords records, MetadataSource metadata, RedisService redis) {
        this.config = config;
        this.records = records;
        this.metadata = metadata;
        this.redis = redis;
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String path) {
        HttpMethod m = req.method();
        String rest = path.length() > PATH.length() ? path.substring(PATH.length() + 1) : "";
        if (rest.isEmpty()) {
            if (m.equals(HttpMethod.GET)) {
                list(ctx, req, keepAlive);
            } else {
                methodNotAllowed(ctx, keepAlive, "GET", "use GET (PUT, GET and DELETE on /admin/apps/{key})");
            }
            return;
        }
        if (rest.equals(RESYNC)) {
            if (m.equals(HttpMethod.POST)) {
                resync(ctx, req, keepAlive);
            } else {
                methodNotAllowed(ctx, keepAlive, "POST", "use POST");
            }
            return;
        }
        String key = QueryStringDecoder.decodeComponent(rest);
        if (rest.indexOf('/') >= 0) {
            AdminHandler.send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND,
                    AdminHandler.error("not_found", "no admin endpoint at this path"));
        } else if (m.equals(HttpMethod.GET)) {
            get(ctx, keepAlive, key);
        } else if (m.equals(HttpMethod.PUT)) {
            put(ctx, req, keepAlive, key);
        } else if (m.equals(HttpMethod.DELETE)) {
            delete(ctx, req, keepAlive, key);
        } else {
            methodNotAllowed(ctx, keepAlive, "GET, PUT, DELETE", "use GET, PUT or DELETE");
        }
    }

    private void list(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        Map<String, List<String>> params = new QueryStringDecoder(req.uri()).parameters();
        List<String> problems = new ArrayList<>();
        int limit = DEFAULT_LIMIT;
        String limitText = first(params, "limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                problems.add("limit: expected a whole number from 1 to " + MAX_LIMIT);
            }
        }
        String cursor = first(params, "cursor");
        if (cursor != null && (cursor.isEmpty() || cursor.equals("null"))) {
            cursor = null;
        }
        if (cursor != null && !(records == null ? OFFSET.matcher(cursor).matches() : ScanPages.isCursor(cursor))) {
            problems.add("cursor: expected the cursor of a previous page");
        }
        if (!problems.isEmpty()) {
            badRequest(ctx, keepAlive, "invalid_request", problems);
            return;
        }
        if (records == null) {
            List<App> apps = config.get().apps();
            int from = cursor == null ? 0 : (int) Math.min(Long.parseLong(cursor), apps.size());
            int to = Math.min(apps.size(), from + limit);
            ArrayNode page = JSON.createArrayNode();
            for (App a : apps.subList(from, to)) {
                page.add(masked(a));
            }
            sendPage(ctx, keepAlive, page, to < apps.size() ? Integer.toString(to) : null);
            return;
        }
        whenDone(ctx, keepAlive, records.list(cursor, limit), p -> {
            ArrayNode page = JSON.createArrayNode();
            for (AppRecords.Stored s : p.apps()) {
                page.add(s.app() != null ? masked(s.app()) : malformed(s));
            }
            sendPage(ctx, keepAlive, page, p.cursor());
        });
    }

    private void get(ChannelHandlerContext ctx, boolean keepAlive, String key) {
        if (records == null) {
            App app = config.get().apps().stream().filter(a -> a.key().equals(key)).findFirst().orElse(null);
            if (app == null) {
                notFound(ctx, keepAlive, key);
            } else {
                AdminHandler.send(ctx, keepAlive, HttpResponseStatus.OK, AppJson.writeMasked(app));
            }
            return;
        }
        whenDone(ctx, keepAlive, records.get(key), s -> {
            if (s == null) {
                notFound(ctx, keepAlive, key);
            } else if (s.app() == null) {
                ObjectNode body = malformed(s);
                body.put("message", "the record in Redis is not a valid app: PUT a valid one or DELETE it");
                AdminHandler.send(ctx, keepAlive, HttpResponseStatus.UNPROCESSABLE_ENTITY, body.toString());
            } else {
                AdminHandler.send(ctx, keepAlive, HttpResponseStatus.OK, AppJson.writeMasked(s.app()));
            }
        });
    }

    private void put(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String key) {
        if (!writable(ctx, req, keepAlive)) {
            return;
        }
        String body = req.content().toString(StandardCharsets.UTF_8);
        AppJson.Read read = AppJson.read(body, key);
        List<String> problems = new ArrayList<>(read.problems());
        problems.addAll(routeProblems(read, body));
        if (!problems.isEmpty()) {
            badRequest(ctx, keepAlive, "invalid_app", problems);
            return;
        }
        App app = read.app();
        CompletionStage<AppRecords.Written> written = records.put(app).thenCompose(w -> {
            metadata.changed(app.key());
            return records.publish(app.key()).thenApply(receivers -> w);
        });
        whenDone(ctx, keepAlive, written, w -> {
            logger.info("app {} {} through the admin API", app.key(), w == AppRecords.Written.CREATED ? "created"
                    : "replaced");
            FullHttpResponse r = AdminHandler.response(ctx, w == AppRecords.Written.CREATED
                    ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, AppJson.writeMasked(app));
            if (w == AppRecords.Written.CREATED) {
                r.headers().set(HttpHeaderNames.LOCATION, PATH + "/" + app.key());
            }
            AdminHandler.write(ctx, r, keepAlive);
        });
    }

    private void delete(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive, String key) {
        if (!writable(ctx, req, keepAlive)) {
            return;
        }
        CompletionStage<Boolean> deleted = records.delete(key).thenCompose(existed -> {
            if (!existed) {
                return java.util.concurrent.CompletableFuture.completedStage(false);
            }
            metadata.changed(key);
            return records.publish(key).thenApply(receivers -> true);
        });
        whenDone(ctx, keepAlive, deleted, existed -> {
            if (!existed) {
                notFound(ctx, keepAlive, key);
                return;
            }
            logger.info("app {} deleted through the admin API", key);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT,
                    Unpooled.EMPTY_BUFFER);
            AdminHandler.write(ctx, r, keepAlive);
        });
    }

    private void resync(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (!writable(ctx, req, keepAlive)) {
            return;
        }
        whenDone(ctx, keepAlive, records.publishResync(), nodes -> {
            logger.info("resync of every node's apps asked for through the admin API ({} node(s) subscribed)", nodes);
            AdminHandler.send(ctx, keepAlive, HttpResponseStatus.ACCEPTED,
                    AdminHandler.json(AdminHandler.ordered("resync", "published", "nodes", nodes)));
        });
    }

    /** The token is checked first (an unauthenticated caller learns nothing), then whether apps are writable here. */
    private boolean writable(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
        if (!AdminHandler.authorized(ctx, req, keepAlive, config.get().admin().token())) {
            return false;
        }
        if (records == null) {
            AdminHandler.send(ctx, keepAlive, HttpResponseStatus.CONFLICT, AdminHandler.error("apps_managed_in_file",
                    "apps come from the configuration files (metadata.source: file): edit apps.yml and reload, or "
                            + "run with metadata.source: redis"));
            return false;
        }
        return true;
    }

    /** Routes and route groups the body names that the configuration in force lacks, even if the body is invalid. */
    private List<String> routeProblems(AppJson.Read read, String body) {
        List<String> routes = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        if (read.ok()) {
            routes.addAll(read.app().routes());
            groups.addAll(read.app().routeGroups());
        } else {
            try {
                JsonNode root = JSON.readTree(body);
                strings(root, "routes", routes);
                strings(root, "route-groups", groups);
            } catch (java.io.IOException e) {
                return List.of(); // not JSON: AppJson said so
            }
        }
        return AppChecks.againstRoutes(routes, groups, config.get().routes());
    }

    private static void strings(JsonNode root, String field, List<String> out) {
        JsonNode n = root == null ? null : root.get(field);
        if (n != null && n.isArray()) {
            n.forEach(e -> {
                if (e.isTextual()) {
                    out.add(e.textValue());
                }
            });
        }
    }

    /**
     * Runs {@code then} on the admin channel's loop once {@code stage} succeeds; a failure (Redis down, a timeout)
     * answers 503 {@code redis_unavailable}, an {@link IllegalArgumentException} (a cursor of the wrong kind) 400.
     */
    private <T> void whenDone(ChannelHandlerContext ctx, boolean keepAlive, CompletionStage<T> stage,
            Consumer<T> then) {
        stage.whenComplete((value, failure) -> {
            try {
                ctx.executor().execute(() -> {
                    if (failure == null) {
                        then.accept(value);
                        return;
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure;
                    if (cause instanceof IllegalArgumentException) { // a cursor of the wrong kind
                        badRequest(ctx, keepAlive, "invalid_request", List.of(cause.getMessage()));
                        return;
                    }
                    String why = redis == null ? String.valueOf(failure) : redis.describe(failure);
                    logger.warn("admin app request failed: redis did not answer: {}", why);
                    AdminHandler.send(ctx, keepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE,
                            AdminHandler.error("redis_unavailable", "Redis did not answer (" + why + "); nothing "
                                    + "may have changed, repeat the request"));
                });
            } catch (RejectedExecutionException e) {
                // the admin loop is shutting down: the connection goes with it
            }
        });
    }

    /** 405 {@code method_not_allowed}, with the methods the path takes in {@code Allow}. */
    private static void methodNotAllowed(ChannelHandlerContext ctx, boolean keepAlive, String allow, String message) {
        FullHttpResponse r = AdminHandler.response(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED,
                AdminHandler.error("method_not_allowed", message));
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        AdminHandler.write(ctx, r, keepAlive);
    }

    private static void notFound(ChannelHandlerContext ctx, boolean keepAlive, String key) {
        AdminHandler.send(ctx, keepAlive, HttpResponseStatus.NOT_FOUND,
                AdminHandler.error("app_not_found", "no app with key '" + clip(key) + "'"));
    }

    private static void badRequest(ChannelHandlerContext ctx, boolean keepAlive, String code, List<String> problems) {
        AdminHandler.send(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, AdminHandler.json(AdminHandler.ordered(
                "error", code, "message", problems.size() + " problem(s); nothing was changed",
                "problems", problems)));
    }

    private static void sendPage(ChannelHandlerContext ctx, boolean keepAlive, ArrayNode apps, String cursor) {
        ObjectNode page = JSON.createObjectNode();
        page.set("apps", apps);
        page.put("cursor", cursor);
        AdminHandler.send(ctx, keepAlive, HttpResponseStatus.OK, page.toString());
    }

    private static JsonNode masked(App app) {
        try {
            return JSON.readTree(AppJson.writeMasked(app));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode malformed(AppRecords.Stored s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("key", s.key());
        o.put("error", "malformed_app_record");
        s.problems().forEach(o.putArray("problems")::add);
        return o;
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** A key as echoed in a message: bounded, whatever the URL held. */
    private static String clip(String key) {
        return key.length() > 64 ? key.substring(0, 64) + "..." : key;
    }
}
