package dev.gateway.core.http;

import java.util.Objects;

/** One response header field as the gateway sends it; a response may carry the same name several times. */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
