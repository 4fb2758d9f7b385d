package dev.gateway.server.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checks the bearer token of an admin write against {@code admin.token}, in constant time. */
final class AdminToken {
    private AdminToken() {}

    enum Check { ALLOWED, REFUSED, NOT_CONFIGURED }

    /** @param configured the configured token, or null; @param authorization the request's Authorization, or null */
    static Check check(String configured, String authorization) {
        if (configured == null) {
            return Check.NOT_CONFIGURED;
        }
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Check.REFUSED;
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        byte[] expected = configured.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expected) ? Check.ALLOWED : Check.REFUSED;
    }
}
