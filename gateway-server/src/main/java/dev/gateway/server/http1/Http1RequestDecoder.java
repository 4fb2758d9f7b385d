package dev.gateway.server.http1;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;

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

    /**
     * Trailer fields are checked like header fields ({@link HeaderNames}): an invalid one fails the last content, so
     * the exchange answers 400 and the connection closes.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()
                    && !HeaderNames.allValid(last.trailingHeaders())) {
                last.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("invalid trailer field")));
            }
        }
    }

    /** The error that answers a decoded request head (malformed, too long, not 1.x, invalid headers), or null. */
    static GatewayError invalid(HttpRequest req) {
        DecoderResult result = req.decoderResult();
        if (result.isFailure()) {
            Throwable cause = result.cause();
            return cause instanceof TooLongHttpLineException ? GatewayErrors.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? GatewayErrors.HEADERS_TOO_LARGE
                    : GatewayErrors.BAD_REQUEST;
        }
        if (req.protocolVersion() != HttpVersion.HTTP_1_1 && req.protocolVersion() != HttpVersion.HTTP_1_0) {
            // Well-formed but not 1.x (the malformed ones were refused above), an HTTP/2 preface among them.
            return GatewayErrors.VERSION_NOT_SUPPORTED;
        }
        return HeaderNames.allValid(req.headers()) ? null : GatewayErrors.BAD_REQUEST;
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
