package dev.gateway.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Removes hop-by-hop headers (RFC 9110 section 7.6.1): Connection and every header it names, Keep-Alive,
 * Proxy-Authenticate, Proxy-Authorization, Proxy-Connection, TE, Trailer, Transfer-Encoding and Upgrade. Applied
 * to requests going upstream and to responses going back. Framing (Content-Length / chunked) is re-established by
 * the caller for its own hop.
 */
public final class HopByHop {
    private HopByHop() {}

    private static boolean isPlainToken(String v) {
        return "keep-alive".equalsIgnoreCase(v) || "close".equalsIgnoreCase(v);
    }

    /** True if {@code name} occurs more than once (without building a list of the values). */
    public static boolean hasSeveral(HttpHeaders h, CharSequence name) {
        java.util.Iterator<? extends CharSequence> it = h.valueCharSequenceIterator(name);
        if (it.hasNext()) {
            it.next();
        }
        return it.hasNext();
    }

    public static void strip(HttpHeaders h) {
        stripKeepingProxyAuthorization(h);
        h.remove(GatewayHeaders.PROXY_AUTHORIZATION);
    }

    /**
     * As {@link #strip}, but leaves Proxy-Authorization (unless Connection names it): a request's filters may read
     * credentials from it (hmac-auth, as Kong does). The caller removes it before the request goes upstream.
     */
    public static void stripKeepingProxyAuthorization(HttpHeaders h) {
        if (h.isEmpty()) {
            return;
        }
        String first = h.get(HttpHeaderNames.CONNECTION);
        if (first != null && isPlainToken(first) && !hasSeveral(h, HttpHeaderNames.CONNECTION)) {
            // The common case, "Connection: keep-alive" or "close": nothing else to remove.
            h.remove(HttpHeaderNames.CONNECTION);
        } else if (first != null) {
            // Collect first: removing while iterating the same headers is not allowed.
            List<String> connection = h.getAll(HttpHeaderNames.CONNECTION);
            for (String value : connection) {
                int start = 0;
                int n = value.length();
                while (start < n) {
                    int comma = value.indexOf(',', start);
                    int end = comma < 0 ? n : comma;
                    String name = value.substring(start, end).trim();
                    if (!name.isEmpty()) {
                        h.remove(name);
                    }
                    start = end + 1;
                }
            }
            h.remove(HttpHeaderNames.CONNECTION);
        }
        h.remove(GatewayHeaders.KEEP_ALIVE);
        h.remove(GatewayHeaders.PROXY_AUTHENTICATE);
        h.remove(GatewayHeaders.PROXY_CONNECTION);
        h.remove(GatewayHeaders.TE);
        h.remove(GatewayHeaders.TRAILER);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
    }
}
