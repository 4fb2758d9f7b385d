package dev.gateway.server.http1;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder with the HTTP version read as RFC 9112 section 2.3 writes it: {@code HTTP/} in capitals,
 * one digit, a dot, one digit. Netty upper-cases the protocol name, so {@code http/1.1} would pass as HTTP/1.1; here it
 * is a malformed request line (400). A well-formed version other than 1.0 and 1.1 ({@code HTTP/2.0},
 * {@code HTTP/1.2}) decodes, and the handler answers it 505.
 *
 * <p>The check is a handful of char comparisons on the version Netty already split out; the handler then tells
 * 1.0/1.1 from the rest by identity with Netty's version constants.
 */
final class Http1RequestDecoder extends HttpRequestDecoder {
    Http1RequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        String version = initialLine[2];
        if (!wellFormed(version)) {
            throw new IllegalArgumentException("invalid HTTP version");
        }
        return super.createMessage(initialLine);
    }

    /** {@code HTTP/DIGIT.DIGIT}, case-sensitive. */
    static boolean wellFormed(String v) {
        return v.length() == 8 && v.startsWith("HTTP/") && isDigit(v.charAt(5)) && v.charAt(6) == '.'
                && isDigit(v.charAt(7));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
