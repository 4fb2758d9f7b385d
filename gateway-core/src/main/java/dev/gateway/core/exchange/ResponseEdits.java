package dev.gateway.core.exchange;

import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayHeaders;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import dev.gateway.core.route.Route;
import dev.gateway.core.upstream.ResponseHead;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * What happens to response headers on the way back: the context's set and added headers, then the filters'
 * onResponse hooks. Only the hooks need the headers as an object (the slow path); the context's headers are written
 * as lines after the upstream's own.
 */
final class ResponseEdits {
    private ResponseEdits() {}

    /**
     * Whether the forwarded response's headers must become an object: a filter of {@code route} that ran (the first
     * {@code filtersRan}) and overrides onResponse would edit them for this request. Filters that don't override it
     * are not asked (their {@code editsResponse} answers true by default).
     */
    static boolean needed(RequestContext ctx, Route route, int filtersRan) {
        if (ctx == null || !route.editsResponses()) {
            return false;
        }
        GatewayFilter[] filters = route.filters();
        for (int i = filtersRan - 1; i >= 0; i--) {
            if (route.editsResponses(i) && filters[i].editsResponse(ctx)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fast path's edits of a forwarded head: drops the upstream's lines of the names the context sets, and
     * returns the lines to write after the upstream's (set, then added), or null.
     */
    static List<Header> asLines(RequestContext ctx, ResponseHead head) {
        if (ctx == null) {
            return null;
        }
        List<Header> set = ctx.responseHeadersSet();
        List<Header> added = ctx.responseHeadersAdded();
        if (set == null) {
            return added;
        }
        for (int i = 0; i < set.size(); i++) {
            head.dropForwarded(set.get(i).name());
        }
        if (added == null) {
            return set;
        }
        return new Joined(set, added);
    }

    /** Two lists read as one (set, then added), without copying them: one small object per response. */
    private static final class Joined extends AbstractList<Header> implements RandomAccess {
        private final List<Header> first;
        private final List<Header> second;

        Joined(List<Header> first, List<Header> second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public Header get(int i) {
            int n = first.size();
            return i < n ? first.get(i) : second.get(i - n);
        }

        @Override
        public int size() {
            return first.size() + second.size();
        }
    }

    /** Sets and adds the context's response headers, then runs the onResponse hooks of the filters that ran, in reverse. */
    static void apply(RequestContext ctx, GatewayFilter[] filters, int filtersRan, HttpHeaders h) {
        if (ctx == null) {
            return;
        }
        List<Header> set = ctx.responseHeadersSet();
        if (set != null) {
            for (int i = 0; i < set.size(); i++) {
                h.set(set.get(i).name(), set.get(i).value());
            }
        }
        List<Header> added = ctx.responseHeadersAdded();
        if (added != null) {
            for (int i = 0; i < added.size(); i++) {
                h.add(added.get(i).name(), added.get(i).value());
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
