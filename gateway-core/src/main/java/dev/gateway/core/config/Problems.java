package dev.gateway.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects configuration errors while a whole configuration is read, so that all are reported at once. A view made
 * by {@link #at} adds to the same list and locates {@link #add(String, String)} at a key of one mapping.
 */
public final class Problems {
    private final List<ConfigError> errors;
    private final ConfigNode.MapNode scope;

    public Problems() {
        this(new ArrayList<>(), null);
    }

    private Problems(List<ConfigError> errors, ConfigNode.MapNode scope) {
        this.errors = errors;
        this.scope = scope;
    }

    /** A view over the same errors whose {@link #add(String, String)} is located inside {@code mapping}. */
    public Problems at(ConfigNode.MapNode mapping) {
        return new Problems(errors, mapping);
    }

    public void add(ConfigNode node, String message) {
        errors.add(new ConfigError(node.location(), node.path(), message));
    }

    public void add(ConfigNode.Location location, String path, String message) {
        errors.add(new ConfigError(location, path, message));
    }

    /**
     * A problem with {@code key} of the mapping this view is {@link #at}: at the key's line ({@code key[2]}: at the
     * line of that list item), or at the mapping's when the key is absent (its default is what is wrong).
     */
    public void add(String key, String message) {
        if (scope == null) {
            throw new IllegalStateException("add(key, message) needs a view made by at(mapping)");
        }
        String name = key;
        int index = -1;
        int bracket = key.indexOf('[');
        if (bracket > 0 && key.endsWith("]")) {
            name = key.substring(0, bracket);
            index = Integer.parseInt(key.substring(bracket + 1, key.length() - 1));
        }
        ConfigNode n = scope.entries().get(name);
        if (index >= 0 && n instanceof ConfigNode.ListNode l && index < l.items().size()) {
            n = l.items().get(index);
        }
        String path = scope.path().isEmpty() ? key : scope.path() + "." + key;
        errors.add(new ConfigError(n != null ? n.location() : scope.location(), path, message));
    }

    /**
     * A problem with {@code key} reported at the line of the mapping this view is {@link #at} (a rule about the
     * whole section, such as "use one of upstream, mock and batch"), under the key's path.
     */
    public void addAtMapping(String key, String message) {
        errors.add(new ConfigError(scope.location(), scope.path().isEmpty() ? key : scope.path() + "." + key,
                message));
    }

    /** The mapping this view is {@link #at}, or null. */
    public ConfigNode.MapNode scope() {
        return scope;
    }

    /** How many problems there are so far, for {@link #sortSince}. */
    int mark() {
        return errors.size();
    }

    /** Puts the problems added since {@code mark} in document order (by line; a stable sort). */
    void sortSince(int mark) {
        errors.subList(mark, errors.size()).sort(java.util.Comparator.comparingInt(e -> e.location().line()));
    }

    public boolean isEmpty() {
        return errors.isEmpty();
    }

    public List<ConfigError> errors() {
        return List.copyOf(errors);
    }

    public void throwIfAny() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }
}
