package dev.gateway.core.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON-path subset of batch references: {@code $} (the whole answer), then any number of {@code .name} (an
 * object member: letters, digits, '_' and '-') and {@code [n]} (an array element, from 0) steps, e.g.
 * {@code $.data.items[0].id}. No wildcards, filters, slices or quoted names. Parsed once per reference; immutable.
 */
final class JsonPath {
    private final String text;
    /** Per step: a member name (String) or an array index (Integer). */
    private final Object[] steps;

    private JsonPath(String text, Object[] steps) {
        this.text = text;
        this.steps = steps;
    }

    /** @throws IllegalArgumentException naming what is wrong */
    static JsonPath parse(String text) {
        if (text.isEmpty() || text.charAt(0) != '$') {
            throw new IllegalArgumentException("a path starts with $: '" + text + "'");
        }
        List<Object> steps = new ArrayList<>();
        int i = 1;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '.') {
                int s = ++i;
                while (i < n && isNameChar(text.charAt(i))) {
                    i++;
                }
                if (i == s) {
                    throw new IllegalArgumentException("a member name is expected at " + s + " in '" + text + "'");
                }
                steps.add(text.substring(s, i));
            } else if (c == '[') {
                int s = ++i;
                while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                    i++;
                }
                if (i == s || i >= n || text.charAt(i) != ']' || i - s > 9) {
                    throw new IllegalArgumentException("an index [n] is expected at " + (s - 1) + " in '" + text
                            + "'");
                }
                steps.add(Integer.parseInt(text.substring(s, i)));
                i++;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in '" + text + "'");
            }
        }
        return new JsonPath(text, steps.toArray());
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    /** The value at this path in {@code root}, or null when there is none. */
    JsonNode find(JsonNode root) {
        JsonNode n = root;
        for (Object step : steps) {
            if (n == null) {
                return null;
            }
            n = step instanceof Integer index ? (n.isArray() ? n.get(index) : null)
                    : (n.isObject() ? n.get((String) step) : null);
        }
        return n == null || n.isMissingNode() ? null : n;
    }

    @Override
    public String toString() {
        return text;
    }
}
