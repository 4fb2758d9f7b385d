package dev.gateway.core.config;

import io.lettuce.core.RedisURI;
import java.util.Locale;

/**
 * Redis URIs as the configuration holds them: checked with Lettuce's own parser at load, and shown with the
 * password masked wherever they are printed (errors, logs, {@code GET /admin/config}).
 */
public final class RedisUris {
    private static final String MASK = "***";

    private RedisUris() {}

    /**
     * {@code uri} with the password of its user info replaced by {@code ***}: {@code redis://user:***@host:6379/0},
     * {@code redis://***@host} (a lone user info is a password to Lettuce). Null stays null.
     */
    public static String mask(String uri) {
        int[] p = secretAt(uri);
        return p == null ? uri : uri.substring(0, p[0]) + MASK + uri.substring(p[1]);
    }

    /**
     * The password in {@code uri}'s user info ({@code user:password@} or a lone {@code password@}), or null: what
     * must never appear in a message.
     */
    public static String password(String uri) {
        int[] p = secretAt(uri);
        return p == null ? null : uri.substring(p[0], p[1]);
    }

    /** Start and end of the password in {@code uri}'s authority, or null when it has none. */
    private static int[] secretAt(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        int start = scheme < 0 ? 0 : scheme + 3;
        int end = uri.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = uri.indexOf(c, start);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        int at = uri.lastIndexOf('@', end - 1);
        if (at < start) {
            return null;
        }
        int colon = uri.indexOf(':', start);
        return new int[] {colon >= 0 && colon < at ? colon + 1 : start, at};
    }

    /** {@code text} with every occurrence of {@code uri} replaced by its masked form (for parser messages). */
    static String maskIn(String text, String uri) {
        if (text == null) {
            return "";
        }
        return uri == null || uri.isEmpty() ? text : text.replace(uri, mask(uri));
    }

    /**
     * Parses {@code uri} as Lettuce will; returns null after recording a located problem when it is not a valid
     * Redis URI (or a Sentinel URI where only a node is allowed).
     */
    static RedisURI parse(ConfigNode.ScalarNode node, Problems problems, boolean clusterSeed) {
        String raw = node.value().trim();
        String shown = "'" + mask(raw) + "'";
        RedisURI parsed;
        try {
            parsed = RedisURI.create(raw);
        } catch (RuntimeException e) {
            problems.add(node, "invalid Redis URI " + shown + ": " + maskIn(e.getMessage(), raw));
            return null;
        }
        String scheme = raw.substring(0, Math.max(0, raw.indexOf(':'))).toLowerCase(Locale.ROOT);
        boolean sentinel = scheme.contains("sentinel");
        if (scheme.contains("socket")) {
            problems.add(node, "a Unix socket is not supported, use redis://host:port, found " + shown);
            return null;
        }
        if (clusterSeed && sentinel) {
            problems.add(node, "a cluster seed is a redis:// or rediss:// node URI, not Sentinel, found " + shown);
            return null;
        }
        if (!sentinel && (parsed.getHost() == null || parsed.getHost().isEmpty() || parsed.getHost().contains(":")
                && !parsed.getHost().startsWith("["))) {
            problems.add(node, "expected redis://[user:password@]host[:port][/database], found " + shown);
            return null;
        }
        return parsed;
    }
}
