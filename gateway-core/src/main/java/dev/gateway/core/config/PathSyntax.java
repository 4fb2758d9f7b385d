package dev.gateway.core.config;

import dev.gateway.core.http.PathNormalizer;

/**
 * The syntax of route path patterns and rewrite prefixes, checked at load: an exact path ({@code /health}),
 * {@code {name}} segments and a trailing {@code /**} (matched by {@code route.PathPattern}).
 */
public final class PathSyntax {
    private PathSyntax() {}

    /** Null if the pattern is valid, else the problem. Config time only. */
    public static String validate(String pattern) {
        if (pattern == null || !pattern.startsWith("/")) {
            return "a path pattern starts with '/', found '" + pattern + "'";
        }
        String norm = PathNormalizer.normalize(pattern.replace("{", "").replace("}", "").replace("**", "x"));
        if (norm == null) {
            return "'" + pattern + "' holds characters or escapes that a normalised path cannot contain";
        }
        String[] parts = pattern.substring(1).split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            boolean last = i == parts.length - 1;
            if (p.equals("**")) {
                if (!last) {
                    return "'**' may only be the last segment, in '" + pattern + "'";
                }
            } else if (p.startsWith("{") || p.endsWith("}")) {
                if (!p.matches("\\{[A-Za-z_][A-Za-z0-9_]*}")) {
                    return "a parameter segment looks like {name}, found '" + p + "' in '" + pattern + "'";
                }
            } else if (p.contains("*") || p.contains("{") || p.contains("}")) {
                return "'*', '{' and '}' may only form whole segments ({name}, **), in '" + pattern + "'";
            } else if (p.equals(".") || p.equals("..")) {
                return "'.' and '..' segments are not allowed, in '" + pattern + "'";
            } else if (p.isEmpty() && !last) {
                return "empty segment ('//') in '" + pattern + "'";
            } else if (!p.equals(decodedLiteral(p))) {
                return "write '" + decodedLiteral(p) + "' instead of '" + p + "' (paths are matched normalised)";
            }
        }
        return null;
    }

    /** Null if {@code prefix} is a valid rewrite prefix (a literal absolute path). */
    public static String validatePrefix(String prefix) {
        if (prefix == null || !prefix.startsWith("/")) {
            return "a prefix starts with '/', found '" + prefix + "'";
        }
        if (prefix.contains("*") || prefix.contains("{")) {
            return "a prefix is a literal path, found '" + prefix + "'";
        }
        String norm = PathNormalizer.normalize(prefix);
        if (norm == null || !(norm.equals(prefix) || norm.equals(prefix + "/"))) {
            return "a prefix must be a normalised path, found '" + prefix + "'";
        }
        return null;
    }

    private static String decodedLiteral(String segment) {
        String n = PathNormalizer.normalize("/" + segment);
        return n == null ? segment : n.substring(1);
    }

    /** The pattern with parameter names erased, so that {@code /a/{x}} and {@code /a/{y}} compare equal. */
    public static String canonical(String pattern) {
        StringBuilder sb = new StringBuilder();
        for (String p : pattern.substring(1).split("/", -1)) {
            sb.append('/').append(p.equals("**") ? "**" : p.startsWith("{") ? "{}" : p);
        }
        return sb.toString();
    }
}
