package dev.gateway.filters.hmac;

import java.time.Duration;
import java.util.List;

/**
 * YAML: {@code filters: { hmac-auth: { required-headers: [x-date, request-line], clock-skew: 300s,
 * hide-credentials: true, anonymous: false, realm: gateway, allow-sha1: false, replay-protection: false } }}.
 */
public record HmacAuthConfig(List<String> requiredHeaders, Duration clockSkew, boolean hideCredentials,
        boolean anonymous, String realm, boolean allowSha1, boolean replayProtection) {

    public HmacAuthConfig {
        requiredHeaders = List.copyOf(requiredHeaders);
    }
}
