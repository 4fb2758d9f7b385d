package dev.gateway.core.config;

/**
 * The built-in demo upstream: a listener in the gateway process that answers every request with what it received,
 * as JSON. Off unless configured; reached through the normal upstream client like any backend.
 */
public record DemoEchoConfig(boolean enabled, HostPort listen) {
    public static DemoEchoConfig defaults() {
        return new DemoEchoConfig(false, new HostPort("127.0.0.1", 9091));
    }
}
