package dev.gateway.filters.cors;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * YAML: {@code filters: { cors: { mode: strict, allow-origins: ["https://app.example.com", "https://*.example.com"],
 * allow-methods: [GET, POST], allow-headers: [authorization, x-date, content-type], expose-headers: [x-request-id],
 * allow-credentials: false, max-age: 10m } }}. {@code "*"} in allow-origins allows any origin but {@code "null"},
 * and cannot be combined with credentials. Origins are kept as written; the filter compiles them.
 *
 * @param mode strict (the default): requests and preflights from origins, or asking for methods or headers, that
 *     are not allowed are refused with 403; permissive: they are forwarded (preflights answered 204) without CORS
 *     headers, and the browser refuses the result
 */
public record CorsConfig(Mode mode, List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
        List<String> exposeHeaders, boolean allowCredentials, Duration maxAge) {

    /** What happens to a CORS request the configuration does not allow. */
    public enum Mode {
        /** Refused by the gateway with 403 ({@code cors_origin_denied}, ...); it never reaches the upstream. */
        STRICT,
        /** Forwarded without CORS headers (a preflight gets 204 without them): the browser refuses the answer. */
        PERMISSIVE
    }

    public CorsConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(maxAge, "max-age");
        allowOrigins = List.copyOf(allowOrigins);
        allowMethods = List.copyOf(allowMethods);
        allowHeaders = List.copyOf(allowHeaders);
        exposeHeaders = List.copyOf(exposeHeaders);
        if (allowOrigins.isEmpty()) {
            throw new IllegalArgumentException("allow-origins: at least one origin is required");
        }
        if (allowCredentials && allowOrigins.stream().anyMatch(o -> o.trim().equals("*"))) {
            throw new IllegalArgumentException("allow-credentials: cannot be combined with \"*\" in allow-origins");
        }
    }
}
