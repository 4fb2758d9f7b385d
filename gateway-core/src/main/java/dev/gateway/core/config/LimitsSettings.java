package dev.gateway.core.config;

/**
 * {@code limits-settings:} what rate-limited responses say. {@code headers}: the IETF {@code RateLimit-Policy} and
 * {@code RateLimit} fields (on by default); {@code legacyHeaders}: {@code X-RateLimit-Limit/-Remaining/-Reset} too.
 */
public record LimitsSettings(boolean headers, boolean legacyHeaders) {
    public static final LimitsSettings DEFAULT = new LimitsSettings(true, false);

    public static LimitsSettings defaults() {
        return DEFAULT;
    }
}
