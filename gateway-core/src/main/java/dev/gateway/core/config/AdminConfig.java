package dev.gateway.core.config;

/**
 * The admin listener: health, metrics, configuration and reload. {@code token} guards the write endpoints
 * ({@code Authorization: Bearer <token>}); null when none is configured, and then they answer 403.
 */
public record AdminConfig(boolean enabled, HostPort listen, String token) {

    @Override
    public String toString() {
        return "AdminConfig[enabled=" + enabled + ", listen=" + listen + ", token=" + (token == null ? "none"
                : "(hidden)") + "]";
    }
}
