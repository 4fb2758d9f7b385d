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
import java.util.Locale;
import java.util.Set;

/** Reads a route's {@code mock:} section; every problem located. Off the event loops. */
final class MockReader {
    /** Headers the gateway frames itself. */
    private static final Set<String> RESERVED = Set.of("content-length", "transfer-encoding", "connection",
            "x-request-id");

    private MockReader() {}

    static MockConfig read(Section s) {
        Problems p = s.problems();
        int status = s.integer("status", 200, 200, 599);
        List<Header> headers = new ArrayList<>();
        String contentType = null;
        ConfigNode hn = s.raw("headers");
        if (hn instanceof ConfigNode.MapNode m) {
            for (var e : m.entries().entrySet()) {
                String name = e.getKey();
                if (!(e.getValue() instanceof ConfigNode.ScalarNode v) || v.value() == null) {
                    p.add(e.getValue(), "expected a header value, found " + e.getValue().kind());
                } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                    p.add(v, "the gateway sets " + name + " itself");
                } else {
                    headers.add(new Header(name, v.value()));
                    if (name.equalsIgnoreCase("content-type")) {
                        contentType = v.value().toLowerCase(Locale.ROOT);
                    }
                }
            }
        } else if (hn != null && !(hn instanceof ConfigNode.ScalarNode sn && sn.value() == null)) {
            p.add(hn, "expected a map of header names to values, found " + hn.kind());
        }
        boolean json = contentType != null && contentType.contains("json");
        BodyTemplate body = BodyTemplate.literal(new byte[0]);
        ConfigNode bodyNode = s.raw("body");
        ConfigNode fileNode = s.raw("body-file");
        if (bodyNode != null && fileNode != null) {
            p.add(fileNode, "use body or body-file, not both");
        } else if (bodyNode instanceof ConfigNode.ScalarNode b && b.value() != null) {
            try {
                body = BodyTemplate.parse(b.value(), json);
            } catch (IllegalArgumentException e) {
                p.add(b, e.getMessage());
            }
        } else if (fileNode instanceof ConfigNode.ScalarNode f && f.value() != null) {
            body = readFile(f, contentType, json, p);
        } else if (bodyNode != null || fileNode != null) {
            ConfigNode bad = bodyNode != null ? bodyNode : fileNode;
            p.add(bad, "expected text, found " + bad.kind());
        }
        Duration delay = s.duration("delay", Duration.ZERO);
        if (delay.isNegative()) {
            p.add(s.raw("delay"), "must not be negative");
            delay = Duration.ZERO;
        }
        s.finish();
        return new MockConfig(status, headers, body, delay);
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
