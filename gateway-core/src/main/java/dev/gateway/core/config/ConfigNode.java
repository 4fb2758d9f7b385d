package dev.gateway.core.config;

import java.util.List;
import java.util.Map;

/**
 * One node of a parsed YAML document that remembers where it came from, so that every configuration error can
 * name the file, the line and the key path ({@code conf/routes.yml:14: routes[2].upstream: ...}).
 */
public sealed interface ConfigNode {

    /** File and line of the node (for a mapping value: the line of its key). */
    Location location();

    /** Key path from the document root, e.g. {@code routes[2].upstream}. */
    String path();

    /** A short word for error messages: "a mapping", "a list", "a scalar". */
    String kind();

    record MapNode(Location location, String path, Map<String, ConfigNode> entries) implements ConfigNode {
        public MapNode {
            entries = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(entries));
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    record ListNode(Location location, String path, List<ConfigNode> items) implements ConfigNode {
        public ListNode {
            items = List.copyOf(items);
        }

        @Override
        public String kind() {
            return "a list";
        }
    }

    /** A scalar; {@code value} is null for YAML null ({@code ~}, {@code null} or an empty value). */
    record ScalarNode(Location location, String path, String value) implements ConfigNode {
        @Override
        public String kind() {
            return value == null ? "null" : "a scalar";
        }
    }

    /** Where a node was read. */
    record Location(String file, int line) {
        @Override
        public String toString() {
            return file + ":" + line;
        }
    }
}
