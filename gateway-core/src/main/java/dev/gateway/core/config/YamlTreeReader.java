package dev.gateway.core.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads one YAML document into a tree of {@link ConfigNode}s that keep file and line, with {@code ${NAME}} and
 * {@code ${NAME:default}} in scalars replaced from the environment (except in a route's {@code mock.body}, whose
 * {@code ${...}} are the mock's per-request substitutions). Problems (syntax errors, duplicate keys,
 * unset variables) are added to {@link Problems}; a syntax error yields {@code null}.
 */
final class YamlTreeReader {
    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    private final String file;
    private final Function<String, String> env;
    private final Problems problems;
    /** The syntax error that stopped the read, or null. */
    private ConfigError syntaxError;

    YamlTreeReader(String file, Function<String, String> env, Problems problems) {
        this.file = file;
        this.env = env;
        this.problems = problems;
    }

    /** Returns the root node, or null when the document is empty or cannot be parsed. */
    ConfigNode read(Reader reader) {
        try (JsonParser p = YAML.createParser(reader)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return null;
            }
            return readValue(p, "", line(p));
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            int line = loc == null ? 0 : loc.getLineNr();
            syntaxError = new ConfigError(new ConfigNode.Location(file, line), "",
                    "invalid YAML: " + compact(e.getOriginalMessage()));
            problems.add(syntaxError.location(), syntaxError.path(), syntaxError.message());
            return null;
        } catch (IOException e) {
            problems.add(new ConfigNode.Location(file, 0), "", "cannot read: " + e.getMessage());
            return null;
        }
    }

    /** The syntax error that made {@link #read} return null, or null when the document parsed. */
    ConfigError syntaxError() {
        return syntaxError;
    }

    /** SnakeYAML's multi-line message (with source excerpts) as one line. */
    private static String compact(String message) {
        return String.join("; ", message.lines().filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
                .map(String::trim).toList());
    }

    private ConfigNode readValue(JsonParser p, String path, int keyLine) throws IOException {
        JsonToken t = p.currentToken();
        ConfigNode.Location location = new ConfigNode.Location(file, keyLine > 0 ? keyLine : line(p));
        if (t == JsonToken.START_OBJECT) {
            Map<String, ConfigNode> entries = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int kl = line(p);
                String childPath = path.isEmpty() ? key : path + "." + key;
                p.nextToken();
                ConfigNode child = readValue(p, childPath, kl);
                if (entries.containsKey(key)) {
                    problems.add(child, "duplicate key '" + key + "'");
                } else {
                    entries.put(key, child);
                }
            }
            return new ConfigNode.MapNode(location, path, entries);
        }
        if (t == JsonToken.START_ARRAY) {
            List<ConfigNode> items = new ArrayList<>();
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(readValue(p, path + "[" + i + "]", 0));
                i++;
            }
            return new ConfigNode.ListNode(location, path, items);
        }
        if (t == JsonToken.VALUE_NULL) {
            return new ConfigNode.ScalarNode(location, path, null);
        }
        ConfigNode.ScalarNode raw = new ConfigNode.ScalarNode(location, path, p.getText());
        if (path.endsWith(".mock.body")) {
            // A mock body's ${...} are per-request substitutions (${request_id}, ${path}), parsed by the mock.
            return raw;
        }
        return new ConfigNode.ScalarNode(location, path, substitute(raw));
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }

    /** Replaces {@code ${NAME}} and {@code ${NAME:default}}; {@code $$} escapes a dollar sign. */
    private String substitute(ConfigNode.ScalarNode node) {
        String s = node.value();
        if (s.indexOf('$') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (c == '$' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                int end = s.indexOf('}', i + 2);
                if (end < 0) {
                    problems.add(node, "unterminated '${' in '" + s + "'");
                    return s;
                }
                String expr = s.substring(i + 2, end);
                int colon = expr.indexOf(':');
                String name = colon < 0 ? expr : expr.substring(0, colon);
                String def = colon < 0 ? null : expr.substring(colon + 1);
                if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    problems.add(node, "invalid variable name '" + name + "' in '" + s + "'");
                    return s;
                }
                String value = env.apply(name);
                if (value == null) {
                    if (def == null) {
                        problems.add(node, "environment variable " + name + " is not set (use ${" + name
                                + ":default} for a default)");
                        value = "";
                    } else {
                        value = def;
                    }
                }
                out.append(value);
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
