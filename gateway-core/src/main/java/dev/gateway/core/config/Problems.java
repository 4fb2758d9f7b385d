package dev.gateway.core.config;

import java.util.ArrayList;
import java.util.List;

/** Collects configuration errors while a whole configuration is read, so that all are reported at once. */
public final class Problems {
    private final List<ConfigError> errors = new ArrayList<>();

    public void add(ConfigNode node, String message) {
        errors.add(new ConfigError(node.location(), node.path(), message));
    }

    public void add(ConfigNode.Location location, String path, String message) {
        errors.add(new ConfigError(location, path, message));
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
