package dev.gateway.core.config;

/**
 * The admin listener: health, metrics, configuration and reload. {@code token} guards the write endpoints
 * ({@code Authorization: Bearer <token>}); null when none is configured, and then they answer 403.
 */
public record AdminConfig(boolean enabled, HostPort listen, String token) implements Binder.Validated {

    public AdminConfig {
        if (token != null && token.isBlank()) {
            token = null; // e.g. ${ADMIN_TOKEN:} with the variable unset: no token configured
        }
    }

    public static AdminConfig defaults() {
        return new AdminConfig(true, new HostPort("127.0.0.1", 9090), null);
    }

    @Override
    public void validate(Problems problems) {
        if (token != null && token.length() < 16) {
            problems.add("token", "an admin token needs at least 16 characters");
        }
    }

    @Override
    public String toString() {
        return "AdminConfig[enabled=" + enabled + ", listen=" + listen + ", token=" + (token == null ? "none"
                : "(hidden)") + "]";
    }
}
