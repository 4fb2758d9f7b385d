package dev.gateway.core.terminal;

import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.metadata.App;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A mock's body, parsed once at load into literal byte runs and substitutions: {@code ${request_id}}, {@code ${path}},
 * {@code ${query.NAME}}, {@code ${header.NAME}}, {@code ${app}}. A missing query parameter, header or app gives an
 * empty string. Values are escaped for a JSON string when the body is JSON. Immutable; rendering runs on the event
 * loop and allocates only the output (a body without substitutions is not rendered at all).
 */
public final class BodyTemplate {
    private static final byte[] EMPTY = new byte[0];

    enum Kind { REQUEST_ID, PATH, QUERY, HEADER, APP }

    private record Part(byte[] literal, Kind kind, String name) {}

    private final byte[] constant;
    private final Part[] parts;
    private final boolean json;
    private final int literalBytes;

    private BodyTemplate(byte[] constant, Part[] parts, boolean json, int literalBytes) {
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
        return new BodyTemplate(null, parts.toArray(new Part[0]), json, literalBytes + tail.length);
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

    /** The body for one request. */
    public byte[] render(RequestContext ctx) {
        if (constant != null) {
            return constant;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(literalBytes + 64);
        QueryStringDecoder query = null;
        for (Part p : parts) {
            out.writeBytes(p.literal());
            if (p.kind() == null) {
                continue;
            }
            String v;
            switch (p.kind()) {
                case REQUEST_ID -> v = ctx.requestId();
                case PATH -> v = ctx.path();
                case APP -> {
                    App app = ctx.get(StandardAttrs.APP);
                    v = app == null ? null : app.key();
                }
                case HEADER -> v = ctx.headers().get(p.name());
                default -> {
                    if (query == null && ctx.query() != null) {
                        query = new QueryStringDecoder(ctx.query(), false);
                    }
                    List<String> values = query == null ? null : query.parameters().get(p.name());
                    v = values == null || values.isEmpty() ? null : values.get(0);
                }
            }
            if (v != null) {
                out.writeBytes((json ? jsonEscape(v) : v).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    /** {@code s} as the inside of a JSON string (RFC 8259 7): quote, backslash and control characters escaped. */
    static String jsonEscape(String s) {
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
                : "BodyTemplate" + Arrays.toString(Arrays.stream(parts).map(Part::kind).toArray());
    }
}
