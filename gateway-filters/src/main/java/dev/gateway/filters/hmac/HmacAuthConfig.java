package dev.gateway.filters.hmac;

import java.time.Duration;
import java.util.List;

/**
 * YAML: {@code filters: { hmac-auth: { required-headers: [x-date, request-line], clock-skew: 300s,
 * hide-credentials: true, anonymous: false, realm: gateway, allow-sha1: false, replay-protection: false,
 * validate-body: false } }}. With {@code validate-body}, a request with a body must carry a signed
 * {@code Digest: SHA-256=<base64>} that matches it (the body is buffered for this, on such routes only).
 */
public record HmacAuthConfig(List<String> requiredHeaders, Duration clockSkew, boolean hideCredentials,
        boolean anonymous, String realm, boolean allowSha1, boolean replayProtection, boolean validateBody) {

    public HmacAuthConfig {
        requiredHeaders = List.copyOf(requiredHeaders);
    }
}
