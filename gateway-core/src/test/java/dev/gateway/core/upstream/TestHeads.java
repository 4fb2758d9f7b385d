package dev.gateway.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/** Parsed upstream response heads for tests outside this package. */
public final class TestHeads {
    private TestHeads() {}

    /** {@code raw} (a status line, header lines and the empty line) parsed; fails on a parse error. */
    public static ResponseHead parse(String raw) {
        ResponseHead head = new ResponseHead();
        ByteBuf in = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
        try {
            head.load(in, 0, in.readableBytes());
        } finally {
            in.release();
        }
        String error = head.parse(false);
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        return head;
    }

    /** The head's forwarded header lines, as they would be written. */
    public static String forwardedLines(ResponseHead head) {
        ByteBuf out = Unpooled.buffer();
        try {
            head.writeForwardedLines(out);
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }
}
