package dev.gateway.filters.authz;

import java.util.Set;

/**
 * YAML: {@code filters: { authorization: { apps: [key, ...], groups: [consumer-group, ...] } }}. Switched on with
 * empty lists by hmac-auth: then only the apps' own allowed routes and route groups count.
 */
public record AuthorizationConfig(Set<String> apps, Set<String> groups) {
    public AuthorizationConfig {
        apps = Set.copyOf(apps);
        groups = Set.copyOf(groups);
    }
}
