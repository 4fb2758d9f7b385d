package dev.gateway.core.route;

import java.util.ArrayList;
import java.util.List;

/**
 * Route path patterns: an exact path ({@code /health}), {@code {name}} segments that match any one non-empty
 * segment ({@code /users/{id}/orders}), and a trailing {@code /**} that matches the prefix itself and everything
 * below it ({@code /api/**} matches {@code /api}, {@code /api/} and {@code /api/x/y}). Literal segments are compared
 * with the normalised request path, case-sensitively. Their syntax is checked at load ({@code config.PathSyntax}).
 */
public final class PathPattern {
    private PathPattern() {}

    /** One pattern segment: a literal, a parameter or (last only) the prefix wildcard. */
    record Segment(Kind kind, String text) {}

    enum Kind { LITERAL, PARAM, WILDCARD }

    static List<Segment> parse(String pattern) {
        List<Segment> out = new ArrayList<>();
        String[] parts = pattern.substring(1).split("/", -1);
        for (String p : parts) {
            if (p.equals("**")) {
                out.add(new Segment(Kind.WILDCARD, p));
            } else if (p.startsWith("{")) {
                out.add(new Segment(Kind.PARAM, p.substring(1, p.length() - 1)));
            } else {
                out.add(new Segment(Kind.LITERAL, p));
            }
        }
        return out;
    }
}
