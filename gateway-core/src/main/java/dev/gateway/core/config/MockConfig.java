package dev.gateway.core.config;

import dev.gateway.core.http.Header;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A route's {@code mock:} section, its terminal step instead of an upstream, and an upstream's fixed
 * {@code fallback:} response: the status, headers and body it answers with after {@code delay}. The body is
 * {@code body} text or a {@code body-file} (read at load); see {@link #template()}.
 */
public record MockConfig(@Binder.Range(min = 200, max = 599) int status, Map<String, String> headers, String body,
        ConfigFile bodyFile, Duration delay) implements FallbackConfig, Binder.Validated {
    /** Headers the gateway frames itself. */
    private static final Set<String> RESERVED = Set.of("content-length", "transfer-encoding", "connection",
            "x-request-id");

    public MockConfig {
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    static MockConfig defaults() {
        return new MockConfig(200, Map.of(), null, null, Duration.ZERO);
    }

    @Override
    public void validate(Problems p) {
        if (p.scope().entries().get("headers") instanceof ConfigNode.MapNode h) {
            for (var e : h.entries().entrySet()) {
                if (RESERVED.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                    p.add(e.getValue(), "the gateway sets " + e.getKey() + " itself");
                }
            }
        }
        if (body != null && bodyFile != null) {
            p.add("body-file", "use body or body-file, not both");
            return;
        }
        try {
            parse();
        } catch (IllegalArgumentException e) {
            p.add(body != null ? "body" : "body-file", (body != null ? "" : bodyFile.name() + ": ") + e.getMessage());
        }
    }

    /** The headers to send, in the order written. */
    public List<Header> headerList() {
        return headers.entrySet().stream().map(e -> new Header(e.getKey(), e.getValue())).toList();
    }

    /**
     * The body with its substitutions parsed (escaped for JSON when the Content-Type is JSON). A body-file of a
     * text type (text/*, JSON, XML, JavaScript) that is valid UTF-8 gets substitutions; any other is sent byte for
     * byte. Parsed when the configuration is compiled, off the event loops.
     */
    public BodyTemplate template() {
        try {
            return parse();
        } catch (IllegalArgumentException e) { // reported by validate: the configuration is not loaded
            return BodyTemplate.literal(bodyFile == null ? new byte[0] : bodyFile.bytes());
        }
    }

    private BodyTemplate parse() {
        String type = null;
        for (var e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase("content-type")) {
                type = e.getValue().toLowerCase(Locale.ROOT);
            }
        }
        boolean json = type != null && type.contains("json");
        if (body != null) {
            return BodyTemplate.parse(body, json);
        }
        if (bodyFile == null) {
            return BodyTemplate.literal(new byte[0]);
        }
        boolean text = type != null && (type.startsWith("text/") || json || type.contains("xml")
                || type.contains("javascript"));
        String decoded = text ? bodyFile.utf8() : null;
        return decoded == null ? BodyTemplate.literal(bodyFile.bytes()) : BodyTemplate.parse(decoded, json);
    }
}
