package dev.gateway.core.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One response header field as the gateway sends it; a response may carry the same name several times. Immutable:
 * its line ({@code name: value\r\n}, ISO-8859-1 like every header the gateway writes) is encoded once, when it is
 * made, so a header kept and set on many responses (a limit's RateLimit-Policy) is copied into each, not encoded
 * char by char again.
 */
public final class Header {
    private final String name;
    private final String value;
    private final byte[] line;

    public Header(String name, String value) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Objects.requireNonNull(value, "value");
        this.line = (name + ": " + value + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    public String name() {
        return name;
    }

    public String value() {
        return value;
    }

    /** The length of {@code name: value\r\n} in bytes. */
    public int lineLength() {
        return line.length;
    }

    /** Writes {@code name: value\r\n}. */
    public void writeLine(ByteBuf out) {
        out.writeBytes(line);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && h.name.equals(name) && h.value.equals(value);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + value.hashCode();
    }

    @Override
    public String toString() {
        return "Header[name=" + name + ", value=" + value + "]";
    }
}
