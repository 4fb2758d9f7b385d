package dev.gateway.core.batch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One item's answer in the batch response: status, headers (framing ones and X-Request-Id left out, a repeated name
 * joined with ", ", except Set-Cookie: an array when repeated), and the body: JSON embedded as JSON, other UTF-8 text
 * as a string, anything else base64 with {@code "encoding": "base64"}. Made on the event loop when the item ends; immutable afterwards.
 */
final class Entry {
    private final int status;
    private final List<String[]> headers;
    private final byte[] body;
    private final String contentType;
    /** The body parsed as JSON, when it is JSON (references read it); null otherwise or not yet parsed. */
    private JsonNode json;
    private boolean jsonTried;

    private Entry(int status, List<String[]> headers, byte[] body, String contentType) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.contentType = contentType;
    }

    static Entry of(int status, HttpHeaders h, byte[] body) {
        List<String[]> out = new ArrayList<>(h == null ? 0 : h.size());
        String type = null;
        if (h != null) {
            for (Map.Entry<String, String> e : h) {
                String name = e.getKey().toLowerCase(Locale.ROOT);
                if (skipped(name)) {
                    continue;
                }
                if (name.equals("content-type")) {
                    type = e.getValue().toLowerCase(Locale.ROOT);
                }
                add(out, name, e.getValue());
            }
        }
        return new Entry(status, out, body, type);
    }

    /** An entry the gateway made (a refusal, a timeout): the error responder's response. */
    static Entry of(GatewayResponse r) {
        List<String[]> out = new ArrayList<>(r.headers().size());
        String type = null;
        for (Header hd : r.headers()) {
            String name = hd.name().toLowerCase(Locale.ROOT);
            if (skipped(name)) {
                continue;
            }
            if (name.equals("content-type")) {
                type = hd.value().toLowerCase(Locale.ROOT);
            }
            add(out, name, hd.value());
        }
        return new Entry(r.status().code(), out, r.body(), type);
    }

    private static boolean skipped(String name) {
        return name.equals("content-length") || name.equals("transfer-encoding") || name.equals("x-request-id")
                || name.equals("connection") || name.equals("keep-alive");
    }

    private static void add(List<String[]> out, String name, String value) {
        if (name.equals("set-cookie")) { // never joined (RFC 6265 3): written as an array when repeated
            out.add(new String[] {name, value});
            return;
        }
        for (String[] kv : out) {
            if (kv[0].equals(name)) {
                kv[1] = kv[1] + ", " + value;
                return;
            }
        }
        out.add(new String[] {name, value});
    }

    /** The {@code i}-th Set-Cookie value. */
    private String cookie(int i) {
        for (String[] kv : headers) {
            if (kv[0].equals("set-cookie") && i-- == 0) {
                return kv[1];
            }
        }
        throw new IndexOutOfBoundsException();
    }

    int status() {
        return status;
    }

    boolean isSuccess() {
        return status >= 200 && status < 300;
    }

    /** The body as JSON, or null when it is not JSON. Parsed at most once. */
    JsonNode json() {
        if (!jsonTried) {
            jsonTried = true;
            if (body != null && body.length > 0 && (contentType == null || contentType.contains("json"))) {
                try {
                    json = BatchParser.JSON.readTree(body);
                } catch (IOException e) {
                    json = null;
                }
            }
        }
        return json;
    }

    /** Writes {@code {"id":..,"status":..,"headers":{..},"body":..}} (body left out when empty). */
    void write(JsonGenerator g, String id) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeNumberField("status", status);
        g.writeObjectFieldStart("headers");
        int cookies = 0;
        for (String[] kv : headers) {
            if (kv[0].equals("set-cookie")) {
                cookies++;
            } else {
                g.writeStringField(kv[0], kv[1]);
            }
        }
        if (cookies == 1) {
            g.writeStringField("set-cookie", cookie(0));
        } else if (cookies > 1) {
            g.writeArrayFieldStart("set-cookie");
            for (int i = 0; i < cookies; i++) {
                g.writeString(cookie(i));
            }
            g.writeEndArray();
        }
        g.writeEndObject();
        if (body != null && body.length > 0) {
            JsonNode tree = contentType != null && contentType.contains("json") ? json() : null;
            if (tree != null) {
                g.writeFieldName("body");
                g.writeTree(tree);
            } else {
                String text = isTextual() ? utf8(body) : null;
                if (text != null) {
                    g.writeStringField("body", text);
                } else {
                    g.writeFieldName("body");
                    g.writeBinary(body); // base64
                    g.writeStringField("encoding", "base64");
                }
            }
        }
        g.writeEndObject();
    }

    private boolean isTextual() {
        String t = contentType;
        return t == null || t.startsWith("text/") || t.contains("json") || t.contains("xml")
                || t.contains("javascript") || t.contains("x-www-form-urlencoded");
    }

    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
