package dev.gateway.filters.hmac;

import dev.gateway.core.config.Binder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * YAML: {@code filters: { hmac-auth: { required-headers: [x-date, request-line], clock-skew: 300s,
 * hide-credentials: true, anonymous: false, realm: gateway, allow-sha1: false, replay-protection: false,
 * validate-body: false } }}. With {@code validate-body}, a request with a body must carry a signed
 * {@code Digest: SHA-256=<base64>} that matches it (the body is buffered for this, on such routes only).
 */
public record HmacAuthConfig(List<String> requiredHeaders, @Binder.Positive Duration clockSkew,
        boolean hideCredentials, boolean anonymous, String realm, boolean allowSha1, boolean replayProtection,
        boolean validateBody) {

    public HmacAuthConfig {
        requiredHeaders = requiredHeaders.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("realm: a realm may not contain '\"' or '\\'");
        }
    }

    public static HmacAuthConfig defaults() {
        return new HmacAuthConfig(List.of(), Duration.ofSeconds(300), false, false, "gateway", false, false, false);
    }
}
