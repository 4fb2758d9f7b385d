package dev.gateway.core.http;

/**
 * Normalises a request path before it is matched, so that routing and the upstream see one canonical form:
 * percent-encoded unreserved characters are decoded (other escapes keep their meaning, with upper-case hex),
 * duplicate slashes are merged and {@code .}/{@code ..} segments are resolved. A path that would climb above the
 * root, holds invalid percent-encoding or characters that may not appear in a path yields {@code null}; the caller
 * answers 400. Pure function, allocation-free when the path is already canonical (the common case).
 */
public final class PathNormalizer {
    private PathNormalizer() {}

    private static final boolean[] ALLOWED = new boolean[128];
    private static final boolean[] UNRESERVED = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            ALLOWED[c] = UNRESERVED[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            ALLOWED[c] = UNRESERVED[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            ALLOWED[c] = UNRESERVED[c] = true;
        }
        for (char c : "-._~".toCharArray()) {
            ALLOWED[c] = UNRESERVED[c] = true;
        }
        // sub-delims, ':', '@', '/', '%' and a few characters real clients send unescaped.
        for (char c : "!$&'()*+,;=:@/%\"<>^`{|}[]".toCharArray()) {
            ALLOWED[c] = true;
        }
    }

    /** Returns the canonical path, or null if it is invalid or escapes the root. {@code raw} holds no query. */
    public static String normalize(String raw) {
        int n = raw.length();
        if (n == 0 || raw.charAt(0) != '/') {
            return null;
        }
        boolean simple = true;
        char prev = 0;
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return null;
            }
            if (c == '%' || (c == '/' && prev == '/') || (c == '.' && prev == '/')) {
                simple = false;
                break;
            }
            prev = c;
        }
        return simple ? raw : slow(raw);
    }

    private static String slow(String raw) {
        String decoded = decodeUnreserved(raw);
        if (decoded == null) {
            return null;
        }
        return removeDotSegments(decoded);
    }

    private static String decodeUnreserved(String raw) {
        int n = raw.length();
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c >= 128 || !ALLOWED[c]) {
                return null;
            }
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= n) {
                return null;
            }
            int hi = Character.digit(raw.charAt(i + 1), 16);
            int lo = Character.digit(raw.charAt(i + 2), 16);
            if (hi < 0 || lo < 0 || raw.charAt(i + 1) > 127 || raw.charAt(i + 2) > 127) {
                return null;
            }
            int v = hi * 16 + lo;
            if (v < 128 && UNRESERVED[v]) {
                sb.append((char) v);
            } else {
                sb.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
                        .append(Character.toUpperCase(raw.charAt(i + 2)));
            }
            i += 2;
        }
        return sb.toString();
    }

    /** RFC 3986 section 5.2.4 on an absolute path, merging empty segments; null if it climbs above the root. */
    private static String removeDotSegments(String path) {
        int n = path.length();
        String[] stack = new String[n];
        int depth = 0;
        int i = 1;
        boolean trailingSlash = false;
        while (i <= n) {
            int end = path.indexOf('/', i);
            if (end < 0) {
                end = n;
            }
            String seg = path.substring(i, end);
            boolean last = end >= n;
            if (seg.isEmpty()) {
                if (last) {
                    trailingSlash = true;
                }
            } else if (seg.equals(".")) {
                trailingSlash = last;
            } else if (seg.equals("..")) {
                if (depth == 0) {
                    return null;
                }
                depth--;
                trailingSlash = last;
            } else {
                stack[depth++] = seg;
                trailingSlash = false;
            }
            i = end + 1;
        }
        StringBuilder sb = new StringBuilder(n);
        for (int k = 0; k < depth; k++) {
            sb.append('/').append(stack[k]);
        }
        if (depth == 0 || trailingSlash) {
            sb.append('/');
        }
        return sb.toString();
    }
}
