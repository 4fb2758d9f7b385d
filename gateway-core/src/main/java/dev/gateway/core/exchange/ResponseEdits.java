package dev.gateway.core.exchange;

import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** What happens to response headers on the way back: the context's headers, then the filters' onResponse hooks. */
final class ResponseEdits {
    private ResponseEdits() {}

    /**
     * Whether the forwarded response's headers must become an object: the context sets headers, or a filter that ran
     * ({@code filtersRan} of {@code filters}) would edit them for this request.
     */
    static boolean needed(RequestContext ctx, GatewayFilter[] filters, int filtersRan, boolean routeEdits) {
        if (ctx == null) {
            return false;
        }
        if (ctx.responseHeaders() != null) {
            return true;
        }
        if (routeEdits) {
            for (int i = filtersRan - 1; i >= 0; i--) {
                if (filters[i].editsResponse(ctx)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Sets the context's response headers, then runs the onResponse hooks of the filters that ran, in reverse. */
    static void apply(RequestContext ctx, GatewayFilter[] filters, int filtersRan, HttpHeaders h) {
        if (ctx == null) {
            return;
        }
        List<String> set = ctx.responseHeaders();
        if (set != null) {
            for (int i = 0; i + 1 < set.size(); i += 2) {
                h.set(set.get(i), set.get(i + 1));
            }
        }
        for (int i = filtersRan - 1; i >= 0; i--) {
            filters[i].onResponse(ctx, h);
        }
    }

    /** The headers of a response the gateway made: its own, Content-Length (unless 204 or 304), X-Request-Id. */
    static HttpHeaders localHeaders(GatewayResponse r, CharSequence requestId) {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        for (Header header : r.headers()) {
            h.add(header.name(), header.value());
        }
        int status = r.status().code();
        if (status != 204 && status != 304) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, r.bodyLength());
        }
        h.set(GatewayHeaders.X_REQUEST_ID, requestId);
        return h;
    }
}
