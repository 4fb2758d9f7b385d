package dev.gateway.core.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A mock's body, parsed once at load into literal byte runs and substitutions: {@code ${request_id}}, {@code ${path}},
 * {@code ${query.NAME}}, {@code ${header.NAME}}, {@code ${app}}. A missing query parameter, header or app gives an
 * empty string. Values are escaped for a JSON string when the body is JSON. Immutable; the mock terminal renders it
 * per request (a body without substitutions is not rendered at all).
 */
public final class BodyTemplate {
    private static final byte[] EMPTY = new byte[0];

    /** What a substitution inserts. */
    public enum Kind { REQUEST_ID, PATH, QUERY, HEADER, APP }

    /** Literal bytes, then the substitution {@code kind} ({@code name}: the query parameter or header), if any. */
    public record Part(byte[] literal, Kind kind, String name) {}

    private final byte[] constant;
    /** Null when the body is constant. */
    private final List<Part> parts;
    private final boolean json;
    private final int literalBytes;

    private BodyTemplate(byte[] constant, List<Part> parts, boolean json, int literalBytes) {
        this.constant = constant;
        this.parts = parts;
        this.json = json;
        this.literalBytes = literalBytes;
    }

    /** Bytes sent as they are (a binary body-file): no substitutions. */
    public static BodyTemplate literal(byte[] body) {
        return new BodyTemplate(body.clone(), null, false, body.length);
    }

    /**
     * Parses {@code text}'s {@code ${...}} substitutions; {@code json}: escape values for a JSON string.
     *
     * @throws IllegalArgumentException naming an unknown or unterminated substitution
     */
    public static BodyTemplate parse(String text, boolean json) {
        List<Part> parts = new ArrayList<>();
        int literalBytes = 0;
        int from = 0;
        while (true) {
            int open = text.indexOf("${", from);
            if (open < 0) {
                break;
            }
            int close = text.indexOf('}', open + 2);
            if (close < 0) {
                throw new IllegalArgumentException("unterminated substitution at '" + excerpt(text, open) + "'");
            }
            String name = text.substring(open + 2, close);
            Part p = substitution(name);
            byte[] lit = text.substring(from, open).getBytes(StandardCharsets.UTF_8);
            literalBytes += lit.length;
            parts.add(new Part(lit, p.kind(), p.name()));
            from = close + 1;
        }
        byte[] tail = text.substring(from).getBytes(StandardCharsets.UTF_8);
        if (parts.isEmpty()) {
            return new BodyTemplate(tail, null, json, tail.length);
        }
        parts.add(new Part(tail, null, null));
        return new BodyTemplate(null, List.copyOf(parts), json, literalBytes + tail.length);
    }

    private static Part substitution(String name) {
        switch (name) {
            case "request_id":
                return new Part(EMPTY, Kind.REQUEST_ID, null);
            case "path":
                return new Part(EMPTY, Kind.PATH, null);
            case "app":
                return new Part(EMPTY, Kind.APP, null);
            default:
                break;
        }
        if (name.startsWith("query.") && name.length() > 6) {
            return new Part(EMPTY, Kind.QUERY, name.substring(6));
        }
        if (name.startsWith("header.") && name.length() > 7) {
            return new Part(EMPTY, Kind.HEADER, name.substring(7));
        }
        throw new IllegalArgumentException("unknown substitution '${" + name + "}' (known: ${request_id}, ${path}, "
                + "${query.NAME}, ${header.NAME}, ${app})");
    }

    private static String excerpt(String text, int at) {
        return text.substring(at, Math.min(text.length(), at + 20));
    }

    /** The body when it has no substitutions, else null. */
    public byte[] constant() {
        return constant;
    }

    /** True when the body is JSON: substituted values are escaped for a JSON string. */
    public boolean isJson() {
        return json;
    }

    /** The literal runs and substitutions, in order, when the body has substitutions; else empty. */
    public List<Part> parts() {
        return parts == null ? List.of() : parts;
    }

    /** How many literal bytes the parts hold (a size hint for rendering). */
    public int literalBytes() {
        return literalBytes;
    }

    /** {@code s} as the inside of a JSON string (RFC 8259 7): quote, backslash and control characters escaped. */
    public static String jsonEscape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = null;
            if (c == '"') {
                rep = "\\\"";
            } else if (c == '\\') {
                rep = "\\\\";
            } else if (c == '\n') {
                rep = "\\n";
            } else if (c == '\r') {
                rep = "\\r";
            } else if (c == '\t') {
                rep = "\\t";
            } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                rep = String.format("\\u%04x", (int) c);
            }
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    @Override
    public String toString() {
        return constant != null ? "BodyTemplate[" + constant.length + " bytes]"
                : "BodyTemplate" + parts.stream().map(Part::kind).toList();
    }
}
