package dev.gateway.core.config;

/**
 * An upstream's {@code fallback:} section, used when none of its targets can take a request (every breaker open,
 * every target unhealthy or ejected): another upstream group ({@code {upstream: name}}), or a fixed response (the
 * keys of a route's {@code mock:}, a {@link MockConfig}).
 */
public sealed interface FallbackConfig permits FallbackConfig.Upstream, MockConfig {

    /** {@code fallback: {upstream: name}}; {@code at} is the name's node, for errors about the upstream it names. */
    record Upstream(@Binder.Tag String upstream, @Binder.Key("upstream") ConfigNode at) implements FallbackConfig {}

    /** The fallback upstream's name, or null. */
    default String upstream() {
        return null;
    }

    /** The fixed response, or null. */
    default MockConfig response() {
        return this instanceof MockConfig m ? m : null;
    }
}
