package dev.gateway.server.http2;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpHeaderValidationUtil;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * An HTTP/2 request as the exchange reads it (Netty's {@code HttpRequest}), and a response's header lines as HTTP/2
 * fields. RFC 9113 section 8.2 is enforced before anything is converted: Netty's codec (header validation on) resets
 * the stream with PROTOCOL_ERROR for uppercase and non-token names, values with NUL, CR, LF or surrounding
 * whitespace, unknown, repeated, misplaced or missing pseudo-header fields, connection-specific fields, TE other than
 * {@code trailers}, and a content-length that disagrees with the DATA ({@code Http2MalformedIT} covers each). The
 * checks here are what is left to the gateway: pseudo-header fields in trailers, and the value rules again (cheap) so
 * that nothing unchecked can reach an HTTP/1.1 upstream should the codec's validation ever be turned off.
 */
final class Http2Requests {
    private Http2Requests() {}

    private static final AsciiString STREAM_ID = HttpConversionUtil.ExtensionHeaderNames.STREAM_ID.text();
    private static final AsciiString SCHEME = HttpConversionUtil.ExtensionHeaderNames.SCHEME.text();

    /** True if every field value is valid and, for trailers ({@code trailers}), no pseudo-header field is present. */
    static boolean valid(Http2Headers headers, boolean trailers) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iterator();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (trailers && name.length() > 0 && name.charAt(0) == ':' || !validValue(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9113 8.2.1: no NUL, CR or LF, and no whitespace at either end. */
    static boolean validValue(CharSequence v) {
        int n = v.length();
        if (n > 0 && (isWhitespace(v.charAt(0)) || isWhitespace(v.charAt(n - 1)))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = v.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * The request of a valid HEADERS frame, as HTTP/1.1: {@code :authority} becomes Host, cookies are joined. A
     * request whose body follows ({@code endStream} false) without a content-length is marked chunked, which is how
     * it goes to an HTTP/1.1 upstream.
     */
    static HttpRequest toRequest(int streamId, Http2Headers headers, boolean endStream) throws Http2Exception {
        HttpRequest req = HttpConversionUtil.toHttpRequest(streamId, headers, false);
        HttpHeaders h = req.headers();
        h.remove(STREAM_ID);
        h.remove(SCHEME);
        if (!endStream && !HttpUtil.isContentLengthSet(req)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return req;
    }

    /** Trailer fields as HTTP/1.1 trailers (for the upstream's chunked coding). */
    static HttpHeaders toTrailers(Http2Headers trailers) {
        HttpHeaders h = DefaultHttpHeadersFactory.trailersFactory().withValidation(false).newHeaders();
        for (Map.Entry<CharSequence, CharSequence> e : trailers) {
            h.add(e.getKey(), e.getValue());
        }
        return h;
    }

    /** Adds a response field with its name lower-cased, unless it is connection-specific (RFC 9113 8.2.2). */
    static void addResponseField(Http2Headers out, CharSequence name, CharSequence value) {
        AsciiString lower = AsciiString.of(name).toLowerCase();
        if (!HttpHeaderValidationUtil.isConnectionHeader(lower, true)) {
            out.add(lower, value);
        }
    }

    /** A gateway-made response's headers as HTTP/2 fields, {@code :status} first. */
    static Http2Headers responseHeaders(int status, HttpHeaders headers) {
        Http2Headers out = new DefaultHttp2Headers(false, headers.size() + 2);
        out.status(AsciiString.of(Integer.toString(status)));
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            addResponseField(out, e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * Upstream trailer lines ({@code name: value\r\n} each, already validated by the upstream parser) as HTTP/2
     * trailer fields.
     */
    static Http2Headers trailersFromLines(ByteBuf lines) {
        Http2Headers out = new DefaultHttp2Headers(false);
        String text = lines.toString(StandardCharsets.ISO_8859_1);
        int pos = 0;
        int n = text.length();
        while (pos < n) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                end = n;
            }
            int lineEnd = end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end;
            int colon = text.indexOf(':', pos);
            if (colon > pos && colon < lineEnd) {
                addResponseField(out, text.substring(pos, colon), text.substring(colon + 1, lineEnd).trim());
            }
            pos = end + 1;
        }
        return out;
    }
}
