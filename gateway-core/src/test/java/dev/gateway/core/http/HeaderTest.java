package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A header's line is encoded once, as ISO-8859-1, and equality is by name and value. */
class HeaderTest {
    @Test
    void writesItsLineAsIso88591() {
        Header h = new Header("RateLimit-Policy", "\"ceiling\";q=10;w=1 caf\u00e9");
        ByteBuf out = Unpooled.buffer();
        try {
            h.writeLine(out);
            h.writeLine(out);
            String line = "RateLimit-Policy: \"ceiling\";q=10;w=1 caf\u00e9\r\n";
            assertThat(h.lineLength()).isEqualTo(line.length());
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(line + line);
            assertThat(out.getByte(out.readableBytes() / 2 - 3)).isEqualTo((byte) 0xe9);
        } finally {
            out.release();
        }
    }

    @Test
    void equalByNameAndValueAndNeverNull() {
        assertThat(new Header("Vary", "Origin")).isEqualTo(new Header("Vary", "Origin"))
                .hasSameHashCodeAs(new Header("Vary", "Origin")).isNotEqualTo(new Header("Vary", "origin"));
        assertThatThrownBy(() -> new Header(null, "x")).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Header("x", null)).isInstanceOf(NullPointerException.class);
    }
}
