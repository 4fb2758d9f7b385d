package dev.gateway.core.exchange;

import dev.gateway.core.http.PathNormalizer;


/**
 * The request target of one request, taken apart: {@code raw} is the path and query exactly as received (signatures
 * cover it; an absolute-form target keeps only them), {@code path} the normalised path routes match, or null when the
 * path is invalid (400 invalid_path), and {@code query} the raw query without '?', or null.
 */
record RequestTarget(String raw, String rawPath, String path, String query) {

    static RequestTarget parse(String uri) {
        // Absolute-form (a client talking to us as a forward proxy): keep only the path.
        if (!uri.isEmpty() && uri.charAt(0) != '/') {
            int scheme = uri.indexOf("://");
            if (scheme > 0 && scheme < 6) {
                int slash = uri.indexOf('/', scheme + 3);
                uri = slash < 0 ? "/" : uri.substring(slash);
            }
        }
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        return new RequestTarget(uri, rawPath, PathNormalizer.normalize(rawPath), q < 0 ? null : uri.substring(q + 1));
    }

    /** The target to send upstream for {@code upstreamPath} (the route's rewrite of {@link #path}). */
    String upstreamTarget(String upstreamPath) {
        return query == null ? upstreamPath : upstreamPath + "?" + query;
    }
}
