package dev.gateway.core.config;

import java.util.List;
import java.util.Set;

/**
 * An app (consumer), an entry of {@code apps:} bound by {@link Binder}: its key, one or more secrets (several at once
 * for rotation), whether it is enabled, the routes and route groups it may call, its consumer group (sent upstream
 * as X-Consumer-Group), its priority group (rate limiting), gray tags and per-app limit rates. Immutable;
 * {@link #toString()} never shows secrets.
 */
public record App(@Binder.Required String key, List<byte[]> secrets, boolean enabled, Set<String> routes,
        Set<String> routeGroups, String group, String priority, List<String> grayTags,
        java.util.Map<String, LimitOverride> limits) implements Binder.Validated {

    static App defaults() {
        return new App(null, List.of(), true, Set.of(), Set.of(), null, "default", List.of());
    }

    @Override
    public void validate(Problems p) {
        if (key != null && !ConfigLoader.ID.matcher(key).matches()) {
            p.add("key", "'" + key + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        if (secrets.isEmpty()) {
            p.add("secrets", "at least one secret is required");
        }
        for (int i = 0; i < secrets.size(); i++) {
            if (secrets.get(i).length == 0) {
                p.add("secrets[" + i + "]", "a secret may not be empty");
            }
        }
    }

    /**
     * This app's own rate for a named limit (used by rate limiting): tokens per second and bucket size
     * ({@code limits: {NAME: {per-second, burst}}}; burst defaults to per-second).
     */
    public record LimitOverride(@Binder.Required @Binder.Range(min = 1, max = Integer.MAX_VALUE) long perSecond,
            @Binder.Range(min = 1, max = Integer.MAX_VALUE) long burst) implements Binder.Validated {
        public LimitOverride {
            burst = burst == 0 ? perSecond : burst;
        }

        @Override
        public void validate(Problems p) {
            if (burst < perSecond) {
                p.add("burst", burst + " is below per-second " + perSecond);
            }
        }
    }

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
