package dev.gateway.core.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.BatchConfig;
import dev.gateway.core.http.GatewayError;
import io.netty.handler.codec.http.HttpMethod;
import java.io.IOException;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a batch body ({@code {"requests": [...], "fail-fast": false}}) into {@link BatchItem}s, or the refusal of the
 * whole batch: malformed JSON or items (400 {@code invalid_batch}), too many items (400), an item body over its limit
 * (413), a duplicate id, a dependency on an unknown id, or a cycle (400). Runs on the event loop, once per batch.
 */
final class BatchParser {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ITEM_KEYS = Set.of("id", "method", "path", "headers", "body", "encoding",
            "depends-on", "timeout");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.^_`|~0-9A-Za-z]+");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)");
    /**
     * Headers an item may not send: framing and hop-by-hop ones (the gateway frames each item), its id, the Host (the
     * batch's), and every header that claims an identity or a client address (the batch's are used, never an
     * item's).
     */
    private static final Set<String> DROPPED = Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "proxy-connection", "proxy-authorization", "expect",
            "x-request-id", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
            "forwarded", "x-real-ip", "x-app-key", "x-consumer-group");

    private BatchParser() {}

    /** The parsed batch, or the reason it is refused. */
    record Result(List<BatchItem> items, boolean failFast, GatewayError refusal) {}

    static Result parse(byte[] body, BatchConfig config) {
        try {
            return parseAll(body, config);
        } catch (Refusal r) {
            return new Result(null, false, r.error);
        }
    }

    private static final class Refusal extends RuntimeException {
        final GatewayError error;

        Refusal(GatewayError error) {
            super(error.code(), null, false, false);
            this.error = error;
        }
    }

    private static Refusal invalid(String message) {
        return new Refusal(BatchErrors.invalid(message));
    }

    private static Result parseAll(byte[] body, BatchConfig config) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw invalid("the body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw invalid("the body must be a JSON object with \"requests\"");
        }
        boolean failFast = false;
        JsonNode requests = null;
        for (Map.Entry<String, JsonNode> e : iterable(root)) {
            switch (e.getKey()) {
                case "requests" -> requests = e.getValue();
                case "fail-fast" -> {
                    if (!e.getValue().isBoolean()) {
                        throw invalid("\"fail-fast\" must be true or false");
                    }
                    failFast = e.getValue().booleanValue();
                }
                default -> throw invalid("unknown key \"" + e.getKey() + "\" (known: requests, fail-fast)");
            }
        }
        if (requests == null || !requests.isArray() || requests.isEmpty()) {
            throw invalid("\"requests\" must be a non-empty array");
        }
        if (requests.size() > config.maxItems()) {
            throw new Refusal(BatchErrors.TOO_MANY_ITEMS);
        }
        int n = requests.size();
        Map<String, Integer> ids = new HashMap<>();
        String[] idOf = new String[n];
        for (int i = 0; i < n; i++) {
            JsonNode r = requests.get(i);
            if (!r.isObject()) {
                throw invalid("requests[" + i + "] must be an object");
            }
            JsonNode idNode = r.get("id");
            String id = idNode == null ? String.valueOf(i + 1) : idNode.isTextual() ? idNode.textValue() : null;
            if (id == null || !ID.matcher(id).matches()) {
                throw invalid("requests[" + i + "].id must be 1-64 letters, digits, '.', '_' or '-'");
            }
            if (ids.putIfAbsent(id, i) != null) {
                throw new Refusal(BatchErrors.duplicateId(id));
            }
            idOf[i] = id;
        }
        List<BatchItem> items = new ArrayList<>(n);
        long defaultTimeout = config.itemTimeout().toNanos();
        for (int i = 0; i < n; i++) {
            items.add(item(i, idOf[i], (ObjectNode) requests.get(i), ids, config, defaultTimeout));
        }
        checkCycles(items);
        return new Result(List.copyOf(items), failFast, null);
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }

    private static BatchItem item(int i, String id, ObjectNode r, Map<String, Integer> ids, BatchConfig config,
            long defaultTimeout) {
        String at = "requests[" + i + "]";
        for (Map.Entry<String, JsonNode> e : iterable(r)) {
            if (!ITEM_KEYS.contains(e.getKey())) {
                throw invalid(at + ": unknown key \"" + e.getKey() + "\"");
            }
        }
        String m = text(r, "method", "GET", at);
        if (!TOKEN.matcher(m).matches()) {
            throw invalid(at + ".method is not an HTTP method");
        }
        HttpMethod method = HttpMethod.valueOf(m.toUpperCase(Locale.ROOT));
        String pathText = text(r, "path", null, at);
        if (pathText == null || pathText.isEmpty()) {
            throw invalid(at + ".path is required");
        }
        Set<Integer> deps = new LinkedHashSet<>();
        Template.Ids resolve = ref -> {
            Integer d = ids.get(ref);
            if (d == null) {
                throw new Refusal(BatchErrors.unknownDependency(id, ref));
            }
            deps.add(d);
            return d;
        };
        Template path;
        try {
            path = Template.parse(pathText, Template.Mode.PATH, resolve);
        } catch (IllegalArgumentException e) {
            throw invalid(at + ".path: " + e.getMessage());
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        boolean hasContentType = false;
        JsonNode hn = r.get("headers");
        if (hn != null && !hn.isNull()) {
            if (!hn.isObject()) {
                throw invalid(at + ".headers must be an object of names to values");
            }
            for (Map.Entry<String, JsonNode> e : iterable(hn)) {
                String name = e.getKey();
                if (!TOKEN.matcher(name).matches()) {
                    throw invalid(at + ".headers: '" + name + "' is not a header name");
                }
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw invalid(at + ".headers." + name + " must be a string");
                }
                String value = e.getValue().asText();
                for (int c = 0; c < value.length(); c++) {
                    char ch = value.charAt(c);
                    if ((ch < 0x20 && ch != '\t') || ch == 0x7f || ch > 0xff) {
                        throw invalid(at + ".headers." + name + " has a character not allowed in a header");
                    }
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (DROPPED.contains(lower)) {
                    continue; // never trusted from an item: the batch's own are used
                }
                hasContentType |= lower.equals("content-type");
                headers.add(new AbstractMap.SimpleImmutableEntry<>(name, value));
            }
        }
        Template body = null;
        byte[] binary = null;
        String contentType = null;
        JsonNode bn = r.get("body");
        String encoding = text(r, "encoding", null, at);
        if (encoding != null && !encoding.equals("base64")) {
            throw invalid(at + ".encoding must be \"base64\"");
        }
        long size = 0;
        if (bn != null && !bn.isNull()) {
            try {
                if (encoding != null) {
                    if (!bn.isTextual()) {
                        throw invalid(at + ".body must be a base64 string with \"encoding\": \"base64\"");
                    }
                    try {
                        binary = Base64.getDecoder().decode(bn.textValue());
                    } catch (IllegalArgumentException e) {
                        throw invalid(at + ".body is not valid base64");
                    }
                    size = binary.length;
                    contentType = "application/octet-stream";
                } else if (bn.isTextual()) {
                    body = Template.parse(bn.textValue(), Template.Mode.TEXT, resolve);
                    size = body.rawLength();
                    contentType = "text/plain; charset=utf-8";
                } else {
                    body = Template.parse(JSON.writeValueAsString(bn), Template.Mode.JSON, resolve);
                    size = body.rawLength();
                    contentType = "application/json";
                }
            } catch (IllegalArgumentException e) {
                throw invalid(at + ".body: " + e.getMessage());
            } catch (IOException e) {
                throw invalid(at + ".body cannot be encoded");
            }
        }
        if (size > config.maxItemBody()) {
            throw new Refusal(BatchErrors.ITEM_TOO_LARGE);
        }
        JsonNode dn = r.get("depends-on");
        if (dn != null && !dn.isNull()) {
            if (!dn.isArray()) {
                throw invalid(at + ".depends-on must be a list of ids");
            }
            for (JsonNode d : dn) {
                if (!d.isTextual()) {
                    throw invalid(at + ".depends-on must be a list of ids");
                }
                resolve.index(d.textValue());
            }
        }
        long timeout = defaultTimeout;
        String t = text(r, "timeout", null, at);
        if (t != null) {
            Matcher tm = DURATION.matcher(t);
            if (!tm.matches()) {
                throw invalid(at + ".timeout must be a duration such as 500ms or 2s");
            }
            long v = Long.parseLong(tm.group(1));
            long nanos = tm.group(2).equals("ms") ? v * 1_000_000L : v * 1_000_000_000L;
            if (nanos <= 0) {
                throw invalid(at + ".timeout must be above 0");
            }
            timeout = Math.min(timeout, nanos);
        }
        return new BatchItem(i, id, method, path, List.copyOf(headers), body, binary,
                hasContentType ? null : contentType, timeout, deps.stream().mapToInt(Integer::intValue).toArray());
    }

    private static String text(JsonNode r, String key, String def, String at) {
        JsonNode v = r.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isTextual()) {
            throw invalid(at + "." + key + " must be a string");
        }
        return v.textValue();
    }

    /** Kahn's algorithm: whatever can't be ordered is on a cycle; the first such item in request order is named. */
    private static void checkCycles(List<BatchItem> items) {
        int n = items.size();
        int[] pending = new int[n];
        List<List<Integer>> dependents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            dependents.add(new ArrayList<>(2));
        }
        for (BatchItem it : items) {
            pending[it.index()] = it.dependsOn().length;
            for (int d : it.dependsOn()) {
                dependents.get(d).add(it.index());
            }
        }
        int[] queue = new int[n];
        int head = 0;
        int tail = 0;
        for (int i = 0; i < n; i++) {
            if (pending[i] == 0) {
                queue[tail++] = i;
            }
        }
        while (head < tail) {
            for (int d : dependents.get(queue[head++])) {
                if (--pending[d] == 0) {
                    queue[tail++] = d;
                }
            }
        }
        if (tail < n) {
            for (int i = 0; i < n; i++) {
                if (pending[i] > 0) {
                    throw new Refusal(BatchErrors.cycle(items.get(i).id()));
                }
            }
        }
    }
}
