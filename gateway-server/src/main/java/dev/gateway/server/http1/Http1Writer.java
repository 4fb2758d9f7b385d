package dev.gateway.server.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes HTTP/1.1 response bytes for the client connection, which carries no HTTP encoder: forwarded responses
 * are assembled from the upstream's raw header lines ({@link dev.gateway.core.upstream.ResponseHead}), and the
 * gateway's own responses are encoded here. Header text is written as ISO-8859-1, the inverse of how it was read.
 */
final class Http1Writer {
    private Http1Writer() {}

    static final short CRLF_SHORT = ('\r' << 8) | '\n';
    private static final ByteBuf CRLF = constant("\r\n");
    private static final ByteBuf LAST_CHUNK = constant("0\r\n\r\n");
    private static final ByteBuf LAST_CHUNK_BEFORE_TRAILERS = constant("0\r\n");
    private static final ByteBuf CONTINUE = constant("HTTP/1.1 100 Continue\r\n\r\n");
    private static final byte[] HTTP11 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CHUNKED_LINE = "transfer-encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] CLOSE_LINE = "connection: close\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] KEEP_ALIVE_LINE = "connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] REQUEST_ID_PREFIX = "x-request-id: ".getBytes(StandardCharsets.US_ASCII);

    private static ByteBuf constant(String s) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(s.length())
                .writeBytes(s.getBytes(StandardCharsets.US_ASCII)));
    }

    /** A shared constant to write (a duplicate: each write has its own indexes). */
    static ByteBuf crlf() {
        return CRLF.duplicate();
    }

    static ByteBuf lastChunk() {
        return LAST_CHUNK.duplicate();
    }

    static ByteBuf lastChunkBeforeTrailers() {
        return LAST_CHUNK_BEFORE_TRAILERS.duplicate();
    }

    static ByteBuf continueResponse() {
        return CONTINUE.duplicate();
    }

    /** {@code <size in hex>\r\n}. */
    static ByteBuf chunkHeader(ByteBufAllocator alloc, int size) {
        ByteBuf b = alloc.directBuffer(10);
        int shift = 28;
        while (shift > 0 && (size >>> shift) == 0) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            int d = (size >>> shift) & 0xf;
            b.writeByte(d < 10 ? '0' + d : 'a' + d - 10);
        }
        return b.writeShort(CRLF_SHORT);
    }

    /** Status line, headers and the empty line of a response the gateway makes itself. */
    static ByteBuf head(ByteBufAllocator alloc, HttpResponseStatus status, HttpHeaders headers) {
        ByteBuf out = alloc.directBuffer(256);
        out.writeBytes(HTTP11);
        int code = status.code();
        out.writeByte('0' + code / 100).writeByte('0' + code / 10 % 10).writeByte('0' + code % 10).writeByte(' ');
        writeText(out, status.reasonPhrase());
        out.writeShort(CRLF_SHORT);
        writeHeaders(out, headers);
        return out.writeShort(CRLF_SHORT);
    }

    /** Every header as {@code name: value\r\n}. */
    static void writeHeaders(ByteBuf out, HttpHeaders headers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            writeHeaderLine(out, e.getKey(), e.getValue());
        }
    }

    /** {@code name: value\r\n}. */
    static void writeHeaderLine(ByteBuf out, CharSequence name, CharSequence value) {
        writeText(out, name);
        out.writeByte(':').writeByte(' ');
        writeText(out, value);
        out.writeShort(CRLF_SHORT);
    }

    static void writeText(ByteBuf out, CharSequence s) {
        if (s instanceof AsciiString a) {
            ByteBufUtil.copy(a, out);
        } else {
            out.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        }
    }
}
