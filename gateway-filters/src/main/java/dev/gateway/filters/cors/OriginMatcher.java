package dev.gateway.filters.cors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A route's {@code allow-origins}, compiled once: {@code "*"} (any origin but {@code null}), {@code "null"} (the
 * opaque origin, only when listed literally), exact origins ({@code https://app.example.com}, {@code
 * http://127.0.0.1:8080}) and subdomain patterns ({@code https://*.example.com}, which matches {@code
 * https://a.example.com} and {@code https://a.b.example.com}, but not {@code https://example.com}, {@code
 * https://example.com.evil.net}, {@code http://a.example.com} or {@code https://a.example.com:8443}).
 *
 * <p>Entries are validated and put in the form browsers send ({@link #canonical}): lower case, no default port.
 * Matching a request's {@code Origin} uses no regular expression and allocates nothing for a lower-case value, which
 * is what browsers send. Immutable and safe to share between event loops.
 */
final class OriginMatcher {
    private static final Pattern SCHEME = Pattern.compile("[a-z][a-z0-9+.-]*");
    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9_-]+(\\.[a-z0-9_-]+)*");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9a-f:.]+\\]");
    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^\\]]*\\]|[^:]*)(?::(.*))?");

    private final boolean any;
    private final Set<String> exact;
    /** Per subdomain pattern: what the origin starts with ({@code https://}) and ends with ({@code .example.com}). */
    private final String[] prefixes;
    private final String[] suffixes;

    private OriginMatcher(boolean any, Set<String> exact, String[] prefixes, String[] suffixes) {
        this.any = any;
        this.exact = exact;
        this.prefixes = prefixes;
        this.suffixes = suffixes;
    }

    /** Compiles {@code entries}; IllegalArgumentException, saying why, for an entry {@link #canonical} refuses. */
    static OriginMatcher compile(List<String> entries) {
        boolean any = false;
        Set<String> exact = new HashSet<>();
        List<String> prefixes = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        for (String entry : entries) {
            String c = canonical(entry);
            if (c.equals("*")) {
                any = true;
            } else if (c.contains("://*.")) {
                int star = c.indexOf("://*.") + 3;
                prefixes.add(c.substring(0, star));
                suffixes.add(c.substring(star + 1));
            } else {
                exact.add(c);
            }
        }
        return new OriginMatcher(any, Set.copyOf(exact), prefixes.toArray(String[]::new),
                suffixes.toArray(String[]::new));
    }

    /**
     * One {@code allow-origins} entry in the form a browser sends it ({@code HTTPS://App.Example.com:443} becomes
     * {@code https://app.example.com}), or IllegalArgumentException with a message that says what is wrong.
     */
    static String canonical(String entry) {
        String e = entry.trim();
        if (e.equals("*") || e.equals("null")) {
            return e;
        }
        int sep = e.indexOf("://");
        if (sep <= 0) {
            throw new IllegalArgumentException("expected \"*\", \"null\" or an origin such as https://app.example.com"
                    + " or https://*.example.com, found '" + entry + "'");
        }
        String scheme = e.substring(0, sep).toLowerCase(Locale.ROOT);
        String rest = e.substring(sep + 3).toLowerCase(Locale.ROOT);
        if (!SCHEME.matcher(scheme).matches()) {
            throw new IllegalArgumentException("invalid scheme '" + e.substring(0, sep) + "' in '" + entry + "'");
        }
        int path = indexOfAny(rest, "/?#");
        if (path >= 0) {
            throw new IllegalArgumentException("an origin is scheme://host[:port] with no path, found '" + entry
                    + "' (did you mean '" + scheme + "://" + rest.substring(0, path) + "'?)");
        }
        if (rest.indexOf('@') >= 0) {
            throw new IllegalArgumentException("an origin has no user info, found '" + entry + "'");
        }
        Matcher hp = HOST_PORT.matcher(rest);
        if (!hp.matches()) {
            throw new IllegalArgumentException("expected scheme://host[:port], found '" + entry + "'");
        }
        String host = hp.group(1);
        String port = hp.group(2);
        boolean wildcard = host.startsWith("*.");
        String name = wildcard ? host.substring(2) : host;
        if (name.indexOf('*') >= 0) {
            throw new IllegalArgumentException("a wildcard may only stand for subdomains, as the whole first label"
                    + " (https://*.example.com), found '" + entry + "'");
        }
        boolean ipv6 = !wildcard && IPV6.matcher(name).matches();
        if (!ipv6 && !HOST_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid host '" + host + "' in '" + entry
                    + "' (international names in their xn-- form)");
        }
        if (port != null) {
            if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("invalid port '" + port + "' in '" + entry
                        + "' (expected 1..65535)");
            }
            if (port.equals(defaultPort(scheme))) {
                port = null; // browsers leave the default port out of Origin
            }
        }
        return scheme + "://" + host + (port == null ? "" : ":" + port);
    }

    private static String defaultPort(String scheme) {
        return switch (scheme) {
            case "http", "ws" -> "80";
            case "https", "wss" -> "443";
            default -> null;
        };
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** True if the list is {@code "*"} (possibly with redundant entries): every origin but {@code null} matches. */
    boolean isAny() {
        return any;
    }

    /** Whether a request's {@code Origin} value is allowed. Called on the event loop; allocates nothing. */
    boolean matches(String origin) {
        if (any && !origin.equals("null")) {
            return true;
        }
        // Browsers send lower case; toLowerCase returns the same instance when there is nothing to change.
        String o = origin.toLowerCase(Locale.ROOT);
        if (exact.contains(o)) {
            return true;
        }
        for (int i = 0; i < prefixes.length; i++) {
            if (matchesSubdomain(o, prefixes[i], suffixes[i])) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code o} is {@code prefix + labels + suffix} where labels are one or more non-empty host labels: so no port,
     * user info, path or other scheme can hide in front of the suffix ({@code https://example.com.evil.net} does not
     * end with {@code .example.com}; {@code https://a.example.com:8443} does not end with it either).
     */
    private static boolean matchesSubdomain(String o, String prefix, String suffix) {
        int start = prefix.length();
        int end = o.length() - suffix.length();
        if (end <= start || !o.startsWith(prefix) || !o.endsWith(suffix)) {
            return false;
        }
        char previous = '.';
        for (int i = start; i < end; i++) {
            char c = o.charAt(i);
            if (c == '.') {
                if (previous == '.') {
                    return false; // empty label
                }
            } else if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
            previous = c;
        }
        return previous != '.';
    }
}
