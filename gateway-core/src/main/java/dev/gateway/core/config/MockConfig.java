package dev.gateway.core.config;

import dev.gateway.core.http.Header;
import java.time.Duration;
import java.util.List;

/**
 * A route's {@code mock:} section, its terminal step instead of an upstream: the status, headers and body it answers
 * with (the body's substitutions parsed, a body-file read, at load) after {@code delay}.
 */
public record MockConfig(int status, List<Header> headers, BodyTemplate body, Duration delay) {
    public MockConfig {
        headers = List.copyOf(headers);
    }
}
