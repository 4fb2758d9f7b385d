package dev.gateway.filters.cors;

import java.time.Duration;
import java.util.List;

/**
 * YAML: {@code filters: { cors: { allow-origins: ["https://app.example.com", "https://*.example.com"],
 * allow-methods: [GET, POST], allow-headers: [authorization, x-date, content-type], expose-headers: [x-request-id],
 * allow-credentials: false, max-age: 10m } }}. {@code "*"} in allow-origins allows any origin (not together with
 * credentials).
 */
public record CorsConfig(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
        List<String> exposeHeaders, boolean allowCredentials, Duration maxAge) {

    public CorsConfig {
        allowOrigins = List.copyOf(allowOrigins);
        allowMethods = List.copyOf(allowMethods);
        allowHeaders = List.copyOf(allowHeaders);
        exposeHeaders = List.copyOf(exposeHeaders);
    }
}
