package dev.gateway.core.config;

/** One configuration problem, located: {@code file:line: key.path: message}. */
public record ConfigError(ConfigNode.Location location, String path, String message) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(location);
        sb.append(": ");
        if (path != null && !path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}
