package dev.gateway.core.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gateway.core.config.App;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An app as JSON, with the field names of an {@code apps:} entry in YAML: {@code key}, {@code secrets},
 * {@code enabled}, {@code routes}, {@code route-groups}, {@code group}, {@code priority}, {@code gray-tags},
 * {@code limits} ({@code {name: {per-second, burst}}}). This is the value stored in Redis under an app's key, the body
 * of the admin API's PUT and GET, and what the import command writes. Reading checks every field and reports every
 * problem at once; it never throws on bad input.
 */
public final class AppJson {
    private AppJson() {}

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The same rule as an app key in YAML. */
    public static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> FIELDS = Set.of("key", "secrets", "enabled", "routes", "route-groups", "group",
            "priority", "gray-tags", "limits");

    /** The result of reading: the app, or null and the problems (each {@code field: message}). */
    public record Read(App app, List<String> problems) {
        public boolean ok() {
            return app != null;
        }
    }

    /** The app as JSON (secrets included: this is what is stored). */
    public static String write(App app) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("key", app.key());
        ArrayNode secrets = o.putArray("secrets");
        for (byte[] s : app.secrets()) {
            secrets.add(new String(s, StandardCharsets.UTF_8));
        }
        o.put("enabled", app.enabled());
        app.routes().stream().sorted().forEach(o.putArray("routes")::add);
        app.routeGroups().stream().sorted().forEach(o.putArray("route-groups")::add);
        if (app.group() != null) {
            o.put("group", app.group());
        }
        o.put("priority", app.priority());
        app.grayTags().forEach(o.putArray("gray-tags")::add);
        if (!app.limits().isEmpty()) {
            ObjectNode limits = o.putObject("limits");
            app.limits().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> limits.putObject(
                    e.getKey()).put("per-second", e.getValue().perSecond()).put("burst", e.getValue().burst()));
        }
        return o.toString();
    }

    /**
     * The app as an admin sees it: like {@link #write} but each secret shown only by its length and last two
     * characters, never in full.
     */
    public static String writeMasked(App app) {
        try {
            ObjectNode o = (ObjectNode) MAPPER.readTree(write(app));
            ArrayNode masked = MAPPER.createArrayNode();
            for (byte[] s : app.secrets()) {
                String text = new String(s, StandardCharsets.UTF_8);
                masked.add("****" + (text.length() > 8 ? text.substring(text.length() - 2) : "") + " ("
                        + text.length() + " chars)");
            }
            o.set("secrets", masked);
            return o.toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code json}; {@code expectedKey} (the key in the URL or the Redis key), if not null, must match. */
    public static Read read(String json, String expectedKey) {
        List<String> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            return new Read(null, List.of("body: not JSON (" + e.getOriginalMessage() + ")"));
        }
        if (root == null || !root.isObject()) {
            return new Read(null, List.of("body: expected a JSON object"));
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                problems.add(f + ": unknown field (expected one of key, secrets, enabled, routes, route-groups, "
                        + "group, priority, gray-tags, limits)");
            }
        }
        String key = text(root, "key", problems);
        if (key == null && expectedKey != null && !root.has("key")) {
            key = expectedKey;
        }
        if (key == null) {
            problems.add("key: is required");
        } else if (!KEY.matcher(key).matches()) {
            problems.add("key: '" + key + "' must be 1-64 letters, digits, '.', '_' or '-'");
        } else if (expectedKey != null && !expectedKey.equals(key)) {
            problems.add("key: '" + key + "' differs from '" + expectedKey + "'");
        }
        List<byte[]> secrets = new ArrayList<>();
        for (String s : strings(root, "secrets", problems)) {
            if (s.isEmpty()) {
                problems.add("secrets: a secret may not be empty");
            } else {
                secrets.add(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        if (secrets.isEmpty() && problems.stream().noneMatch(p -> p.startsWith("secrets:"))) {
            problems.add("secrets: at least one secret is required");
        }
        boolean enabled = true;
        JsonNode en = root.get("enabled");
        if (en != null && !en.isNull()) {
            if (en.isBoolean()) {
                enabled = en.booleanValue();
            } else {
                problems.add("enabled: expected true or false");
            }
        }
        Set<String> routes = new LinkedHashSet<>(strings(root, "routes", problems));
        Set<String> groups = new LinkedHashSet<>(strings(root, "route-groups", problems));
        String group = text(root, "group", problems);
        String priority = text(root, "priority", problems);
        List<String> gray = strings(root, "gray-tags", problems);
        Map<String, App.LimitOverride> limits = limits(root.get("limits"), problems);
        if (!problems.isEmpty()) {
            return new Read(null, List.copyOf(problems));
        }
        return new Read(new App(key, secrets, enabled, routes, groups, group, priority == null ? "default" : priority,
                gray, limits), List.of());
    }

    private static String text(JsonNode root, String field, List<String> problems) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            problems.add(field + ": expected a string");
            return null;
        }
        return n.textValue();
    }

    private static List<String> strings(JsonNode root, String field, List<String> problems) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            problems.add(field + ": expected a list of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (e.isTextual()) {
                out.add(e.textValue());
            } else {
                problems.add(field + ": expected a list of strings, found " + e.getNodeType().name().toLowerCase());
            }
        }
        return out;
    }

    private static Map<String, App.LimitOverride> limits(JsonNode n, List<String> problems) {
        Map<String, App.LimitOverride> out = new LinkedHashMap<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            problems.add("limits: expected an object of {per-second, burst} by limit id");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = "limits." + e.getKey();
            JsonNode perSecond = e.getValue().get("per-second");
            JsonNode burst = e.getValue().get("burst");
            if (perSecond == null || !perSecond.canConvertToInt() || perSecond.intValue() < 1) {
                problems.add(where + ".per-second: expected a whole number of at least 1");
                continue;
            }
            int b = perSecond.intValue();
            if (burst != null && !burst.isNull()) {
                if (!burst.canConvertToInt() || burst.intValue() < perSecond.intValue()) {
                    problems.add(where + ".burst: expected a whole number of at least per-second");
                    continue;
                }
                b = burst.intValue();
            }
            out.put(e.getKey(), new App.LimitOverride(perSecond.intValue(), b));
        }
        return out;
    }
}
