package dev.gateway.core.http;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One response header field as the gateway sends it; a response may carry the same name several times. Immutable:
 * its line ({@code name: value\r\n}, ISO-8859-1 like every header the gateway writes) is encoded the first time it
 * is written as a line and kept, so a header kept and set on many responses (a limit's RateLimit-Policy) is copied
 * into each, not encoded char by char again. A header that only ever reaches a response as an {@code HttpHeaders}
 * entry (a response the gateway makes itself: an error's request id, a 429's Retry-After) is never encoded here.
 */
public final class Header {
    private static final VarHandle LINE;

    static {
        try {
            LINE = MethodHandles.lookup().findVarHandle(Header.class, "line", byte[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final String value;
    /**
     * Null until first asked for. Published with release and read with acquire (plain moves on x86), so a thread
     * that sees the array sees its bytes; two threads computing it at once make equal bytes.
     */
    private byte[] line;

    public Header(String name, String value) {
        this.name = Objects.requireNonNull(name, "name");
        this.value = Objects.requireNonNull(value, "value");
    }

    public String name() {
        return name;
    }

    public String value() {
        return value;
    }

    /** The length of {@code name: value\r\n} in bytes. */
    public int lineLength() {
        return line().length;
    }

    /** Writes {@code name: value\r\n}. */
    public void writeLine(ByteBuf out) {
        out.writeBytes(line());
    }

    private byte[] line() {
        byte[] l = (byte[]) LINE.getAcquire(this);
        if (l == null) {
            l = (name + ": " + value + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            LINE.setRelease(this, l);
        }
        return l;
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
