package dev.gateway.filters.cors;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * CORS. A request without {@code Origin} is not a CORS request and passes. A preflight ({@code OPTIONS} with {@code
 * Origin} and {@code Access-Control-Request-Method}) is answered here, before authentication, so it never needs
 * credentials: 204 with the allow headers when origin, method and requested headers are allowed. An actual request
 * from an allowed origin continues and its response, also an error made by a later filter, gets {@code
 * Access-Control-Allow-Origin} (never {@code *} together with credentials).
 *
 * <p>What is not allowed depends on the mode. Strict: 403 {@code cors_origin_denied}, {@code cors_method_denied} or
 * {@code cors_header_denied}, and the request never reaches the upstream. Permissive: the request is forwarded and a
 * preflight answered 204, both without CORS headers, so the browser refuses the result.
 *
 * <p>{@code Vary: Origin} goes on every response whose headers depend on the origin: all responses of a route whose
 * allow-list is not just {@code "*"} without credentials (also those to requests without Origin), and the refusals.
 * It is added through the context as a line of its own beside the upstream's Vary lines (two Vary lines mean their
 * union, RFC 9110 5.3), so a response to a request without Origin keeps the fast path: its head is not turned into
 * an object. Origins, header values and refusals are compiled once, with the route. A request allocates nothing here
 * but the context's list of added headers, a preflight answer that echoes its origin, and the lower-case copy of an
 * Origin sent in upper case (browsers don't).
 */
final class CorsFilter implements GatewayFilter {
    private static final String VARY_ORIGIN = "Origin";
    private static final Header VARY_ORIGIN_LINE = new Header("vary", VARY_ORIGIN);
    private static final Header VARY_PREFLIGHT = new Header("vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    private static final byte[] EMPTY = new byte[0];

    static final GatewayError ORIGIN_DENIED = new GatewayError(HttpResponseStatus.FORBIDDEN, "cors_origin_denied",
            "the request's Origin is not allowed on this route").withHeader("vary", VARY_ORIGIN);
    static final GatewayError PREFLIGHT_ORIGIN_DENIED = new GatewayError(HttpResponseStatus.FORBIDDEN,
            "cors_origin_denied", "the request's Origin is not allowed on this route",
            List.of(VARY_PREFLIGHT));
    static final GatewayError METHOD_DENIED = new GatewayError(HttpResponseStatus.FORBIDDEN, "cors_method_denied",
            "the method in Access-Control-Request-Method is not allowed on this route", List.of(VARY_PREFLIGHT));
    static final GatewayError HEADER_DENIED = new GatewayError(HttpResponseStatus.FORBIDDEN, "cors_header_denied",
            "a header in Access-Control-Request-Headers is not allowed on this route", List.of(VARY_PREFLIGHT));

    private static final CompletionStage<FilterResult> REFUSE_ORIGIN = FilterResult.refuse(ORIGIN_DENIED);
    private static final CompletionStage<FilterResult> REFUSE_PREFLIGHT_ORIGIN =
            FilterResult.refuse(PREFLIGHT_ORIGIN_DENIED);
    private static final CompletionStage<FilterResult> REFUSE_METHOD = FilterResult.refuse(METHOD_DENIED);
    private static final CompletionStage<FilterResult> REFUSE_HEADER = FilterResult.refuse(HEADER_DENIED);
    /** Permissive mode's answer to a preflight it does not allow: no permission, the browser refuses the call. */
    private static final CompletionStage<FilterResult> NO_PERMISSION = FilterResult.respond(
            new GatewayResponse(HttpResponseStatus.NO_CONTENT, List.of(VARY_PREFLIGHT), EMPTY));

    private final boolean strict;
    private final OriginMatcher origins;
    private final boolean credentials;
    /** The allowed origins' responses differ by origin (anything but "*" without credentials). */
    private final boolean varies;
    private final Set<String> methods;
    private final String[] allowHeaders;
    private final String exposeValue;
    /** The allowed preflight's headers after Access-Control-Allow-Origin. */
    private final List<Header> preflightHeaders;
    /** The allowed preflight's answer when it does not depend on the origin ("*" without credentials), else null. */
    private final CompletionStage<FilterResult> anyOriginPreflight;

    CorsFilter(CorsConfig c) {
        this.strict = c.mode() == CorsConfig.Mode.STRICT;
        this.origins = OriginMatcher.compile(c.allowOrigins());
        this.credentials = c.allowCredentials();
        if (credentials && origins.isAny()) {
            throw new IllegalArgumentException("credentials cannot be allowed for any origin");
        }
        this.varies = !origins.isAny();
        this.methods = Set.copyOf(c.allowMethods());
        this.allowHeaders = c.allowHeaders().toArray(String[]::new);
        this.exposeValue = c.exposeHeaders().isEmpty() ? null : String.join(", ", c.exposeHeaders());
        List<Header> pre = new ArrayList<>(5);
        pre.add(VARY_PREFLIGHT);
        pre.add(new Header("access-control-allow-methods", String.join(", ", c.allowMethods())));
        if (!c.allowHeaders().isEmpty()) {
            pre.add(new Header("access-control-allow-headers", String.join(", ", c.allowHeaders())));
        }
        pre.add(new Header("access-control-max-age", Long.toString(c.maxAge().toSeconds())));
        if (credentials) {
            pre.add(new Header("access-control-allow-credentials", "true"));
        }
        this.preflightHeaders = List.copyOf(pre);
        this.anyOriginPreflight = varies ? null : FilterResult.respond(allowedPreflight("*"));
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        HttpHeaders h = ctx.headers();
        String origin = h.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return proceed(ctx);
        }
        if (ctx.method() == HttpMethod.OPTIONS) {
            String method = h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
            if (method != null) {
                return preflight(origin, method, h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS));
            }
        }
        if (strict && !origins.matches(origin)) {
            return REFUSE_ORIGIN;
        }
        return proceed(ctx);
    }

    /** The request goes on; whatever answers it varies by origin unless the list is "*" without credentials. */
    private CompletionStage<FilterResult> proceed(RequestContext ctx) {
        if (varies) {
            ctx.addResponseHeader(VARY_ORIGIN_LINE);
        }
        return FilterResult.proceed();
    }

    private CompletionStage<FilterResult> preflight(String origin, String method, String requestedHeaders) {
        if (!origins.matches(origin)) {
            return strict ? REFUSE_PREFLIGHT_ORIGIN : NO_PERMISSION;
        }
        // Compared as sent: browsers upper-case the standard methods and compare the others case-sensitively.
        if (!methods.contains(method)) {
            return strict ? REFUSE_METHOD : NO_PERMISSION;
        }
        if (!headersAllowed(requestedHeaders)) {
            return strict ? REFUSE_HEADER : NO_PERMISSION;
        }
        return anyOriginPreflight != null ? anyOriginPreflight : FilterResult.respond(allowedPreflight(origin));
    }

    private GatewayResponse allowedPreflight(String allowOrigin) {
        List<Header> out = new ArrayList<>(preflightHeaders.size() + 1);
        out.add(new Header("access-control-allow-origin", allowOrigin));
        out.addAll(preflightHeaders);
        return new GatewayResponse(HttpResponseStatus.NO_CONTENT, out, EMPTY);
    }

    @Override
    public boolean editsResponse(RequestContext ctx) {
        String origin = ctx.headers().get(HttpHeaderNames.ORIGIN);
        return origin != null && origins.matches(origin);
    }

    @Override
    public void onResponse(RequestContext ctx, HttpHeaders response) {
        String origin = ctx.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || !origins.matches(origin)) {
            return;
        }
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, varies ? origin : "*");
        if (credentials) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (exposeValue != null) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, exposeValue);
        }
    }

    /** Whether every name in the comma-separated {@code requested} is an allowed header (compared ignoring case). */
    private boolean headersAllowed(String requested) {
        if (requested == null) {
            return true;
        }
        for (int i = 0, n = requested.length(); i < n; ) {
            int end = itemEnd(requested, i);
            int s = skipSpace(requested, i, end);
            int e = trimSpace(requested, s, end);
            if (e > s && !isAllowedHeader(requested, s, e - s)) {
                return false;
            }
            i = end + 1;
        }
        return true;
    }

    private boolean isAllowedHeader(String s, int start, int length) {
        for (String allowed : allowHeaders) {
            if (allowed.length() == length && s.regionMatches(true, start, allowed, 0, length)) {
                return true;
            }
        }
        return false;
    }

    private static int itemEnd(String list, int from) {
        int comma = list.indexOf(',', from);
        return comma < 0 ? list.length() : comma;
    }

    private static int skipSpace(String s, int from, int end) {
        while (from < end && isSpace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    private static int trimSpace(String s, int start, int end) {
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
