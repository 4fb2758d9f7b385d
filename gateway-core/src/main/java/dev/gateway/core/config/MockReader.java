package dev.gateway.core.config;

import dev.gateway.core.http.Header;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;

/** Reads a route's {@code mock:} section; every problem located. Off the event loops. */
final class MockReader {
    /** Headers the gateway frames itself. */
    private static final Set<String> RESERVED = Set.of("content-length", "transfer-encoding", "connection",
            "x-request-id");

    private MockReader() {}

    /** The YAML shape of {@code mock:} (and of a fixed {@code fallback:} response). */
    record Mock(@Binder.Range(min = 200, max = 599) int status, Map<String, String> headers, ConfigNode body,
            ConfigNode bodyFile, Duration delay) implements Binder.Validated {
        static Mock defaults() {
            return new Mock(200, Map.of(), null, null, Duration.ZERO);
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
            }
            for (ConfigNode n : new ConfigNode[] {body, bodyFile}) {
                if (n != null && !(n instanceof ConfigNode.ScalarNode)) {
                    p.add(n, "expected text, found " + n.kind());
                }
            }
        }
    }

    static MockConfig read(ConfigNode node, Problems p) {
        Mock m = Binder.bind(node, Mock.class, p);
        List<Header> headers = new ArrayList<>();
        String contentType = null;
        for (var e : m.headers().entrySet()) {
            if (!RESERVED.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                headers.add(new Header(e.getKey(), e.getValue()));
                if (e.getKey().equalsIgnoreCase("content-type")) {
                    contentType = e.getValue().toLowerCase(Locale.ROOT);
                }
            }
        }
        boolean json = contentType != null && contentType.contains("json");
        BodyTemplate body = BodyTemplate.literal(new byte[0]);
        if (m.body() instanceof ConfigNode.ScalarNode b && m.bodyFile() == null) {
            try {
                body = BodyTemplate.parse(b.value(), json);
            } catch (IllegalArgumentException e) {
                p.add(b, e.getMessage());
            }
        } else if (m.bodyFile() instanceof ConfigNode.ScalarNode f && m.body() == null) {
            body = readFile(f, contentType, json, p);
        }
        return new MockConfig(m.status(), headers, body, m.delay());
    }

    /**
     * A body-file, read now. Text content types (text/*, JSON, XML, JavaScript) that are valid UTF-8 get
     * substitutions; anything else is sent byte for byte.
     */
    private static BodyTemplate readFile(ConfigNode.ScalarNode f, String contentType, boolean json, Problems p) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(ListFile.resolve(f));
            ConfigLoader.addSource(ListFile.resolve(f), bytes);
        } catch (IOException | RuntimeException e) {
            p.add(f, "cannot read '" + f.value() + "': " + e);
            return BodyTemplate.literal(new byte[0]);
        }
        boolean text = contentType != null && (contentType.startsWith("text/") || contentType.contains("json")
                || contentType.contains("xml") || contentType.contains("javascript"));
        if (!text) {
            return BodyTemplate.literal(bytes);
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return BodyTemplate.literal(bytes);
        }
        try {
            return BodyTemplate.parse(decoded, json);
        } catch (IllegalArgumentException e) {
            p.add(f, f.value() + ": " + e.getMessage());
            return BodyTemplate.literal(bytes);
        }
    }
}
