package dev.gateway.filters.cors;

import dev.gateway.core.config.Checks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

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

    /** An HTTP token (RFC 9110): what a method or a header name may be. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final List<String> DEFAULT_METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    /**
     * Defaults: mode strict, the common methods, max-age 10m. Every problem is reported at once, each at its key
     * ({@link Checks}).
     */
    public CorsConfig {
        mode = mode == null ? Mode.STRICT : mode;
        maxAge = maxAge == null ? Duration.ofMinutes(10) : maxAge;
        Checks checks = new Checks();
        allowOrigins = allowOrigins.stream().map(String::trim).toList();
        for (int i = 0; i < allowOrigins.size(); i++) {
            try {
                OriginMatcher.canonical(allowOrigins.get(i));
            } catch (IllegalArgumentException e) {
                checks.add("allow-origins[" + i + "]", e.getMessage());
            }
        }
        checks.check(!allowOrigins.isEmpty(), "allow-origins", "at least one origin is required");
        allowMethods = allowMethods.isEmpty() ? DEFAULT_METHODS
                : tokens(allowMethods, "allow-methods", "method", true, checks);
        allowHeaders = tokens(allowHeaders, "allow-headers", "header name", false, checks);
        exposeHeaders = tokens(exposeHeaders, "expose-headers", "header name", false, checks);
        // Browsers refuse "*" with credentials, and echoing any origin instead would let every site read the answers
        // to its visitors' credentialed calls: the origins must be listed.
        checks.check(!allowCredentials || !allowOrigins.contains("*"), "allow-credentials",
                "true cannot be combined with \"*\" in allow-origins: list the origins (patterns such as "
                        + "https://*.example.com are fine)");
        checks.throwIfAny();
    }

    private static List<String> tokens(List<String> values, String key, String what, boolean upperCase,
            Checks checks) {
        List<String> out = new ArrayList<>(values.size());
        for (int i = 0; i < values.size(); i++) {
            String v = values.get(i).trim();
            if (!TOKEN.matcher(v).matches() || v.equals("*")) {
                checks.add(key + "[" + i + "]", "expected a " + what + ", found '" + values.get(i) + "'");
            }
            out.add(upperCase ? v.toUpperCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }
}
