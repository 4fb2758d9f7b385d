package dev.gateway.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Located access to the top-level keys of a configuration file, for {@link ConfigLoader}: it marks the keys read so
 * that {@link #finish()} reports the others as unknown (the sections themselves bind to records by {@link Binder}).
 * Also the parse rules the binder shares: durations, sizes, booleans, enum names, target URLs. Used only while a
 * configuration is loaded, never per request.
 */
public final class Section {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB|k|m|g)?",
            Pattern.CASE_INSENSITIVE);

    private final ConfigNode.MapNode node;
    private final Problems problems;
    private final Set<String> read = new HashSet<>();

    private Section(ConfigNode.MapNode node, Problems problems) {
        this.node = node;
        this.problems = problems;
    }

    /** A section over {@code node}; if it is not a mapping, records a problem and returns an empty section. */
    public static Section of(ConfigNode node, Problems problems) {
        if (node instanceof ConfigNode.MapNode map) {
            return new Section(map, problems);
        }
        if (node instanceof ConfigNode.ScalarNode s && s.value() == null) {
            return new Section(new ConfigNode.MapNode(s.location(), s.path(), java.util.Map.of()), problems);
        }
        problems.add(node, "expected a mapping, found " + node.kind());
        return new Section(new ConfigNode.MapNode(node.location(), node.path(), java.util.Map.of()), problems);
    }

    public ConfigNode node() {
        return node;
    }

    public Problems problems() {
        return problems;
    }

    public boolean has(String key) {
        ConfigNode n = node.entries().get(key);
        return n != null && !(n instanceof ConfigNode.ScalarNode s && s.value() == null);
    }

    /** The raw child node, or null when absent; marks the key as known. */
    public ConfigNode raw(String key) {
        read.add(key);
        return node.entries().get(key);
    }

    /** {@code true/yes/on} or {@code false/no/off}, any case; null for anything else. */
    static Boolean parseBoolean(String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true": case "yes": case "on":
                return true;
            case "false": case "no": case "off":
                return false;
            default:
                return null;
        }
    }

    static Duration parseDuration(String v) {
        if (v.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(v);
        if (!m.matches()) {
            return null;
        }
        try {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            d.toNanos(); // must fit the nanosecond clocks it is used with
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    /** A byte size in {@code [min, max]}, or null with the problem recorded. */
    static Long parseSize(ConfigNode.ScalarNode s, long min, long max, Problems problems) {
        Matcher m = SIZE.matcher(s.value().trim());
        if (!m.matches()) {
            problems.add(s, "expected a size such as 8192, 16KB, 10MB, found '" + s.value() + "'");
            return null;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            problems.add(s, s.value() + " is out of range [" + min + ", " + max + "] bytes");
            return null;
        }
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long mult = switch (unit.charAt(0)) {
            case 'k' -> 1024L;
            case 'm' -> 1024L * 1024;
            case 'g' -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        long v;
        try {
            v = Math.multiplyExact(n, mult);
        } catch (ArithmeticException e) {
            v = Long.MAX_VALUE;
        }
        if (v < min || v > max) {
            problems.add(s, s.value() + " is out of range [" + min + ", " + max + "] bytes");
            return null;
        }
        return v;
    }

    public static <E extends Enum<E>> List<String> enumNames(Class<E> type) {
        return java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    /** Items of a list; a single scalar is accepted as a one-item list. Absent or null: empty. */
    public List<ConfigNode> list(String key) {
        ConfigNode n = raw(key);
        if (n == null || n instanceof ConfigNode.ScalarNode s && s.value() == null) {
            return List.of();
        }
        if (n instanceof ConfigNode.ListNode l) {
            return l.items();
        }
        if (n instanceof ConfigNode.ScalarNode) {
            return List.of(n);
        }
        problems.add(n, "expected a list, found " + n.kind());
        return List.of();
    }

    /** Child section, or an empty one (so defaults apply) when the key is absent. */
    public Section section(String key) {
        ConfigNode n = raw(key);
        if (n == null) {
            return new Section(new ConfigNode.MapNode(node.location(), child(key), java.util.Map.of()), problems);
        }
        return of(n, problems);
    }

    /** An absolute http URL, or null with the problem recorded. */
    public static URI httpUrl(ConfigNode.ScalarNode s, Problems problems) {
        return httpUrl(s, problems, false);
    }

    /** As {@link #httpUrl(ConfigNode.ScalarNode, Problems)}; {@code https} also takes https://host:port. */
    public static URI httpUrl(ConfigNode.ScalarNode s, Problems problems, boolean https) {
        try {
            URI u = new URI(s.value().trim());
            boolean schemeOk = "http".equalsIgnoreCase(u.getScheme())
                    || https && "https".equalsIgnoreCase(u.getScheme());
            if (!schemeOk || u.getHost() == null) {
                problems.add(s, "expected an " + (https ? "http:// or https://" : "http://")
                        + "host:port URL, found '" + s.value() + "'");
                return null;
            }
            if (u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                problems.add(s, "a target URL is http://host:port only (no query, fragment or user info), found '"
                        + s.value() + "'");
                return null;
            }
            if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
                problems.add(s, "a target URL has no path (use a route rewrite), found '" + s.value() + "'");
                return null;
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            problems.add(s, "invalid URL '" + s.value() + "': " + e.getReason());
            return null;
        }
    }

    public String child(String key) {
        return node.path().isEmpty() ? key : node.path() + "." + key;
    }

    /**
     * Records every key that no getter asked for as an error, with the closest key that was asked for as a hint
     * ({@code servr: unknown key 'servr' (did you mean 'server'?)}).
     */
    public void finish() {
        for (var e : node.entries().entrySet()) {
            if (!read.contains(e.getKey())) {
                problems.add(e.getValue().location(), child(e.getKey()), "unknown key '" + e.getKey() + "'"
                        + Suggestions.suggestion(e.getKey(), read));
            }
        }
    }
}
