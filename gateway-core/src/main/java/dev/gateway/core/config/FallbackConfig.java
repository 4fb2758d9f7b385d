package dev.gateway.core.config;

/**
 * An upstream's {@code fallback:} section, used when none of its targets can take a request (every breaker open,
 * every target unhealthy or ejected): another upstream group, or a fixed response (the keys of a route's
 * {@code mock:}). Exactly one of the two is set.
 *
 * @param upstream the fallback upstream's name, or null
 * @param response the fixed response, or null
 * @param location where the section is, for errors about the upstream it names
 */
public record FallbackConfig(String upstream, MockConfig response, ConfigNode.Location location, String path) {}
