package dev.gateway.filters.cors;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * CORS. A preflight ({@code OPTIONS} with {@code Origin} and {@code Access-Control-Request-Method}) is answered here,
 * before authentication, so it never needs credentials: 204 with the allow headers when origin, method and
 * requested headers are allowed, 204 without them otherwise (the browser then refuses the call). An actual
 * request from an allowed origin continues and its response, also an error made by a later filter, gets
 * {@code Access-Control-Allow-Origin}. Header values are computed once, when the route is compiled.
 */
final class CorsFilter implements GatewayFilter {
    private static final Header VARY_PREFLIGHT = new Header("vary",
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    private static final byte[] EMPTY = new byte[0];

    private final boolean anyOrigin;
    private final Set<String> origins;
    private final List<String> wildcardSuffixes;
    private final Set<String> methods;
    private final Set<String> allowHeaders;
    private final boolean credentials;
    private final String allowMethodsValue;
    private final String allowHeadersValue;
    private final String exposeValue;
    private final String maxAgeValue;

    CorsFilter(CorsConfig c) {
        this.anyOrigin = c.allowOrigins().contains("*");
        this.origins = Set.copyOf(c.allowOrigins().stream().filter(o -> !o.contains("*")).toList());
        // "https://*.example.com" -> scheme "https://" and suffix ".example.com"
        this.wildcardSuffixes = c.allowOrigins().stream().filter(o -> o.contains("://*.")).toList();
        this.methods = Set.copyOf(c.allowMethods());
        this.allowHeaders = Set.copyOf(c.allowHeaders());
        this.credentials = c.allowCredentials();
        this.allowMethodsValue = String.join(", ", c.allowMethods());
        this.allowHeadersValue = String.join(", ", c.allowHeaders());
        this.exposeValue = c.exposeHeaders().isEmpty() ? null : String.join(", ", c.exposeHeaders());
        this.maxAgeValue = Long.toString(c.maxAge().toSeconds());
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        HttpHeaders h = ctx.headers();
        String origin = h.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return FilterResult.proceed();
        }
        String requested = h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (ctx.method() == HttpMethod.OPTIONS && requested != null) {
            return FilterResult.respond(preflight(origin, requested,
                    h.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS)));
        }
        return FilterResult.proceed();
    }

    private GatewayResponse preflight(String origin, String method, String requestedHeaders) {
        List<Header> out = new ArrayList<>(6);
        out.add(VARY_PREFLIGHT);
        if (allowed(origin) && methods.contains(method.trim().toUpperCase(Locale.ROOT))
                && headersAllowed(requestedHeaders)) {
            out.add(new Header("access-control-allow-origin", allowOriginValue(origin)));
            out.add(new Header("access-control-allow-methods", allowMethodsValue));
            if (!allowHeadersValue.isEmpty()) {
                out.add(new Header("access-control-allow-headers", allowHeadersValue));
            }
            out.add(new Header("access-control-max-age", maxAgeValue));
            if (credentials) {
                out.add(new Header("access-control-allow-credentials", "true"));
            }
        }
        return new GatewayResponse(HttpResponseStatus.NO_CONTENT, out, EMPTY);
    }

    @Override
    public boolean editsResponse(RequestContext ctx) {
        String origin = ctx.headers().get(HttpHeaderNames.ORIGIN);
        return origin != null && allowed(origin);
    }

    @Override
    public void onResponse(RequestContext ctx, HttpHeaders response) {
        String origin = ctx.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || !allowed(origin)) {
            return;
        }
        response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowOriginValue(origin));
        response.add(HttpHeaderNames.VARY, "Origin");
        if (credentials) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
        if (exposeValue != null) {
            response.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, exposeValue);
        }
    }

    private String allowOriginValue(String origin) {
        return anyOrigin && !credentials ? "*" : origin;
    }

    private boolean allowed(String origin) {
        if (anyOrigin) {
            return true;
        }
        String o = origin.toLowerCase(Locale.ROOT);
        if (origins.contains(o)) {
            return true;
        }
        for (String w : wildcardSuffixes) {
            int star = w.indexOf("*.");
            String scheme = w.substring(0, star);
            String suffix = w.substring(star + 1);
            if (o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length()) {
                return true;
            }
        }
        return false;
    }

    private boolean headersAllowed(String requested) {
        if (requested == null || requested.isBlank()) {
            return true;
        }
        for (String name : requested.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!n.isEmpty() && !allowHeaders.contains(n)) {
                return false;
            }
        }
        return true;
    }
}
