package dev.gateway.core.config;

import java.util.List;
import java.util.Set;

/**
 * An app (consumer): its key, one or more secrets (several at once for rotation), whether it is enabled, the routes
 * and route groups it may call, its consumer group (sent upstream as X-Consumer-Group), its priority group (rate
 * limiting) and gray tags. Immutable; {@link #toString()} never shows secrets.
 */
public record App(String key, List<byte[]> secrets, boolean enabled, Set<String> routes, Set<String> routeGroups,
        String group, String priority, List<String> grayTags, java.util.Map<String, LimitOverride> limits) {

    /** This app's own rate for a named limit (used by rate limiting): tokens per second and bucket size. */
    public record LimitOverride(long perSecond, long burst) {}

    /** An app without per-app limit overrides. */
    public App(String key, List<byte[]> secrets, boolean enabled, Set<String> routes, Set<String> routeGroups,
            String group, String priority, List<String> grayTags) {
        this(key, secrets, enabled, routes, routeGroups, group, priority, grayTags, java.util.Map.of());
    }

    public App {
        limits = java.util.Map.copyOf(limits);
        secrets = List.copyOf(secrets.stream().map(byte[]::clone).toList());
        routes = Set.copyOf(routes);
        routeGroups = Set.copyOf(routeGroups);
        grayTags = List.copyOf(grayTags);
    }

    /** May this app call the route? */
    public boolean allows(String routeId, String routeGroup) {
        return routes.contains(routeId) || (routeGroup != null && routeGroups.contains(routeGroup));
    }

    @Override
    public String toString() {
        return "App[key=" + key + ", secrets=" + secrets.size() + " (hidden), enabled=" + enabled + ", group=" + group
                + "]";
    }
}
