package dev.gateway.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * An upstream response head, parsed in place from its bytes so that the proxy can forward the header lines as
 * they arrived instead of decoding them into objects and encoding them again.
 *
 * <p>One instance belongs to one upstream connection and is reused for every response on it: it is valid only
 * during {@link UpstreamListener#onResponseHead}. Parsing records where each header line lies in {@link #bytes()},
 * whether it may be forwarded (hop-by-hop headers, the headers named by Connection, X-Request-Id and a
 * Content-Length overridden by Transfer-Encoding may not), and what the framing headers say.
 *
 * <p>Rejected as invalid (the proxy answers 502): a status line that is not {@code HTTP/1.0} or {@code HTTP/1.1}
 * with a three-digit code, a header line without a colon or with whitespace before it, a header name that is not
 * a token, obsolete line folding, control characters in a value, differing Content-Length values, and a
 * Content-Length that is not a number.
 */
public final class ResponseHead {
    /** Body framing of the response on the upstream connection. */
    public enum Framing { NONE, LENGTH, CHUNKED, UNTIL_CLOSE }

    private static final byte[] HTTP11 = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final short CRLF = ('\r' << 8) | '\n';
    private static final byte[] TOKEN = new byte[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TOKEN[c] = 1;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = 1;
            TOKEN[c - 32] = 1;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = 1;
        }
    }

    private byte[] bytes = new byte[1024];
    private int length;
    private int status;
    private boolean http10;
    private int reasonStart;
    private int reasonEnd;
    private boolean keepAlive;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean chunked;
    private boolean transferEncoding;
    private Framing framing;
    private long contentLength;
    private boolean allCrlf;
    private int dropped;
    /** Per header line: line start, name end, value start, value end, line end (after its LF), forward flag. */
    private int[] lines = new int[6 * 16];
    private int count;
    /** Tokens of Connection other than close/keep-alive (names to drop); rare, so a lazily made list. */
    private List<String> connectionNames;

    /**
     * A head the gateway makes itself, from its text (status line, header lines, the empty line): a streamed batch
     * answer. Valid for as long as the caller keeps it.
     *
     * @throws IllegalArgumentException if the text is not a valid head
     */
    public static ResponseHead of(String text) {
        ResponseHead h = new ResponseHead();
        byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
        h.bytes = b;
        h.length = b.length;
        String error = h.parse(false);
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        return h;
    }

    /**
     * Loads and parses an HTTP/2 response head: the status and the regular fields as the lines of an HTTP/1.1 head
     * (the bytes copied from the decoded names and values, no strings made), checked by the same rules. The body is
     * delimited by the stream, so the framing is {@link Framing#LENGTH} when a Content-Length is given, else
     * {@link Framing#CHUNKED} (of unknown length), and the head is always "keep-alive": the connection outlives it.
     *
     * @return null when valid, else what is wrong
     */
    String loadH2(io.netty.handler.codec.http2.Http2Headers h, boolean headRequest) {
        CharSequence st = h.status();
        if (st == null || st.length() != 3) {
            return "missing or invalid :status";
        }
        int code = 0;
        for (int i = 0; i < 3; i++) {
            int d = st.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return "invalid :status";
            }
            code = code * 10 + d;
        }
        if (code < 100) {
            return "invalid :status";
        }
        io.netty.handler.codec.http.HttpResponseStatus status = io.netty.handler.codec.http.HttpResponseStatus
                .valueOf(code);
        int n = 13 + status.reasonPhrase().length() + 2 + fieldsLength(h) + 2;
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, bytes.length * 2)];
        }
        int p = 0;
        System.arraycopy(HTTP11, 0, bytes, 0, HTTP11.length);
        p += HTTP11.length;
        bytes[p++] = (byte) ('0' + code / 100);
        bytes[p++] = (byte) ('0' + code / 10 % 10);
        bytes[p++] = (byte) ('0' + code % 10);
        bytes[p++] = ' ';
        p = copy(status.reasonPhrase(), p);
        bytes[p++] = '\r';
        bytes[p++] = '\n';
        p = copyFields(h, p);
        if (p < 0) {
            return "invalid header name or control character in header value";
        }
        length = p;
        String error = parse(headRequest);
        if (error != null) {
            return error;
        }
        keepAlive = true;
        if (framing == Framing.UNTIL_CLOSE) {
            framing = Framing.CHUNKED;
        }
        return null;
    }

    /** Loads and parses the trailing HEADERS of an HTTP/2 response as trailer lines (see {@link #parseTrailers}). */
    String loadH2Trailers(io.netty.handler.codec.http2.Http2Headers h) {
        int n = fieldsLength(h) + 2;
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, bytes.length * 2)];
        }
        int p = copyFields(h, 0);
        if (p < 0) {
            return "invalid field name or control character in field value";
        }
        length = p;
        return parseTrailers();
    }

    private static int fieldsLength(io.netty.handler.codec.http2.Http2Headers h) {
        int n = 0;
        for (java.util.Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) != ':') {
                n += name.length() + 2 + e.getValue().length() + 2;
            }
        }
        return n;
    }

    /**
     * Writes the regular fields from {@code p} as {@code name: value} lines and the empty line; returns the end, or
     * -1 when a name is not a token or a value holds a control character (a CR or LF would make more lines of it).
     */
    private int copyFields(io.netty.handler.codec.http2.Http2Headers h, int p) {
        for (java.util.Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.length() == 0 || name.charAt(0) == ':') {
                continue;
            }
            CharSequence value = e.getValue();
            for (int i = 0, n = name.length(); i < n; i++) {
                char c = name.charAt(i);
                if (c >= 128 || TOKEN[c] == 0) {
                    return -1;
                }
            }
            for (int i = 0, n = value.length(); i < n; i++) {
                char c = value.charAt(i);
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    return -1;
                }
            }
            p = copy(name, p);
            bytes[p++] = ':';
            bytes[p++] = ' ';
            p = copy(value, p);
            bytes[p++] = '\r';
            bytes[p++] = '\n';
        }
        bytes[p++] = '\r';
        bytes[p++] = '\n';
        return p;
    }

    private int copy(CharSequence s, int p) {
        if (s instanceof io.netty.util.AsciiString a) {
            a.copy(0, bytes, p, a.length());
            return p + a.length();
        }
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            bytes[p++] = (byte) (c > 0xff ? '?' : c);
        }
        return p;
    }

    public int length() {
        return length;
    }

    public int status() {
        return status;
    }

    public boolean isHttp10() {
        return http10;
    }

    /** Whether the upstream lets the connection be reused after this response (before body checks). */
    public boolean isKeepAlive() {
        return keepAlive;
    }

    public Framing framing() {
        return framing;
    }

    /** The Content-Length value, or -1 when absent or overridden by Transfer-Encoding. */
    public long contentLength() {
        return contentLength;
    }

    public int headerCount() {
        return count;
    }

    public boolean isForwarded(int i) {
        return lines[i * 6 + 5] != 0;
    }

    public String name(int i) {
        int o = i * 6;
        return new String(bytes, lines[o], lines[o + 1] - lines[o], StandardCharsets.ISO_8859_1);
    }

    public String value(int i) {
        int o = i * 6;
        return new String(bytes, lines[o + 2], lines[o + 3] - lines[o + 2], StandardCharsets.ISO_8859_1);
    }

    /** Copies {@code n} head bytes from {@code in} at {@code index} into this head's array, growing it if needed. */
    void load(ByteBuf in, int index, int n) {
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, bytes.length * 2)];
        }
        in.getBytes(index, bytes, 0, n);
        length = n;
    }

    /**
     * Parses the loaded head (status line, header lines and the empty line). {@code headRequest}: the request
     * was HEAD, so the response has no body whatever its headers say.
     *
     * @return null when valid, else what is wrong (for the log and the 502)
     */
    String parse(boolean headRequest) {
        byte[] b = bytes;
        int n = length;
        count = 0;
        dropped = 0;
        allCrlf = true;
        connectionNames = null;
        int eol = lineEnd(b, 0, n);
        int end = eol > 0 && b[eol - 1] == '\r' ? eol - 1 : eol;
        // "HTTP/1.x SP 3DIGIT [SP reason]"
        if (end < 12 || b[0] != 'H' || b[1] != 'T' || b[2] != 'T' || b[3] != 'P' || b[4] != '/' || b[5] != '1'
                || b[6] != '.' || (b[7] != '0' && b[7] != '1') || b[8] != ' ') {
            return "invalid status line";
        }
        http10 = b[7] == '0';
        int s = 0;
        for (int i = 9; i < 12; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return "invalid status code";
            }
            s = s * 10 + d;
        }
        if (s < 100 || (end > 12 && b[12] != ' ')) {
            return "invalid status code";
        }
        status = s;
        reasonStart = Math.min(13, end);
        reasonEnd = end;
        for (int i = reasonStart; i < reasonEnd; i++) {
            int c = b[i] & 0xff;
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return "control character in reason phrase";
            }
        }
        connectionClose = false;
        connectionKeepAlive = false;
        contentLength = -1;
        chunked = false;
        transferEncoding = false;
        String error = parseFields(eol + 1, false);
        if (error != null) {
            return error;
        }
        if (connectionNames != null) {
            dropConnectionNames();
        }
        // "close" wins over "keep-alive" wherever they appear; HTTP/1.0 closes unless asked not to.
        keepAlive = !connectionClose && (!http10 || connectionKeepAlive);
        if (transferEncoding && (contentLength >= 0 || http10)) {
            // Transfer-Encoding overrides Content-Length (RFC 9112 6.3), and HTTP/1.0 has no transfer codings:
            // such a message can't be trusted to leave the connection in a known state.
            keepAlive = false;
            if (contentLength >= 0) {
                contentLength = -1;
                dropHeader("content-length");
            }
        }
        if (headRequest || status < 200 || status == 204 || status == 304) {
            framing = Framing.NONE;
            if (status == 101) {
                keepAlive = false;
            }
        } else if (chunked) {
            framing = Framing.CHUNKED;
        } else if (transferEncoding) {
            framing = Framing.UNTIL_CLOSE;
            keepAlive = false;
        } else if (contentLength >= 0) {
            framing = contentLength == 0 ? Framing.NONE : Framing.LENGTH;
        } else {
            framing = Framing.UNTIL_CLOSE;
            keepAlive = false;
        }
        return null;
    }

    /**
     * Parses the loaded trailer section of a chunked body (field lines and the empty line): same rules as header
     * lines; hop-by-hop and framing fields are not forwarded. Afterwards {@link #writeForwardedLines} writes the
     * trailers to pass on.
     */
    String parseTrailers() {
        count = 0;
        dropped = 0;
        allCrlf = true;
        connectionNames = null;
        return parseFields(0, true);
    }

    /** Parses field lines from {@code pos} up to and including the empty line. */
    private String parseFields(int pos, boolean trailers) {
        byte[] b = bytes;
        int n = length;
        int eol;
        int end;
        while (true) {
            if (pos >= n) {
                return "incomplete head";
            }
            eol = lineEnd(b, pos, n);
            end = eol > pos && b[eol - 1] == '\r' ? eol - 1 : eol;
            if (end == eol) {
                allCrlf = false;
            }
            if (end == pos) {
                break; // the empty line
            }
            byte first = b[pos];
            if (first == ' ' || first == '\t') {
                return "obsolete line folding";
            }
            int colon = pos;
            while (colon < end && b[colon] != ':') {
                int c = b[colon];
                if (c < 0 || TOKEN[c] == 0) {
                    return "invalid header name";
                }
                colon++;
            }
            if (colon == end || colon == pos) {
                return "header line without name or colon";
            }
            int vs = colon + 1;
            while (vs < end && (b[vs] == ' ' || b[vs] == '\t')) {
                vs++;
            }
            int ve = end;
            while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
                ve--;
            }
            for (int i = vs; i < ve; i++) {
                int c = b[i] & 0xff;
                if (c < 0x20 && c != '\t' || c == 0x7f) {
                    return "control character in header value";
                }
            }
            boolean forward = true;
            int nameLen = colon - pos;
            switch (nameLen) {
                case 2 -> forward = !is(b, pos, "te");
                case 7 -> forward = !is(b, pos, "trailer") && !is(b, pos, "upgrade");
                case 10 -> {
                    if (is(b, pos, "connection")) {
                        forward = false;
                        if (!trailers) {
                            connectionTokens(b, vs, ve);
                        }
                    } else if (is(b, pos, "keep-alive")) {
                        forward = false;
                    }
                }
                case 12 -> forward = !is(b, pos, "x-request-id");
                case 14 -> {
                    if (is(b, pos, "content-length") && trailers) {
                        forward = false;
                    } else if (is(b, pos, "content-length")) {
                        String err = contentLength(b, vs, ve);
                        if (err != null) {
                            return err;
                        }
                    }
                }
                case 16 -> forward = !is(b, pos, "proxy-connection");
                case 17 -> {
                    if (is(b, pos, "transfer-encoding")) {
                        forward = false;
                        if (!trailers) {
                            transferEncoding = true;
                            chunked = lastCodingIsChunked(b, vs, ve);
                        }
                    }
                }
                case 18 -> forward = !is(b, pos, "proxy-authenticate");
                case 19 -> forward = !is(b, pos, "proxy-authorization");
                default -> { }
            }
            addLine(pos, colon, vs, ve, eol + 1, forward);
            pos = eol + 1;
        }
        if (pos + 1 != n && !(pos + 2 == n && b[pos] == '\r')) {
            return "bytes after the head";
        }
        return null;
    }

    /** Writes {@code HTTP/1.1 <code> <reason>\r\n}. */
    public void writeStatusLine(ByteBuf out) {
        out.writeBytes(HTTP11);
        out.writeByte('0' + status / 100).writeByte('0' + status / 10 % 10).writeByte('0' + status % 10);
        out.writeByte(' ');
        out.writeBytes(bytes, reasonStart, reasonEnd - reasonStart);
        out.writeShort(CRLF);
    }

    /** Writes the forwarded header lines as received (each ending in CRLF). */
    public void writeForwardedLines(ByteBuf out) {
        if (count == 0) {
            return;
        }
        int[] l = lines;
        if (allCrlf && dropped == 0) {
            out.writeBytes(bytes, l[0], l[(count - 1) * 6 + 4] - l[0]);
            return;
        }
        for (int i = 0; i < count; i++) {
            int o = i * 6;
            if (l[o + 5] == 0) {
                continue;
            }
            int start = l[o];
            int lineEnd = l[o + 4];
            if (allCrlf) {
                // Extend over the following forwarded lines: one copy per run of kept lines.
                while (i + 1 < count && l[(i + 1) * 6 + 5] != 0) {
                    i++;
                    lineEnd = l[i * 6 + 4];
                }
                out.writeBytes(bytes, start, lineEnd - start);
            } else {
                out.writeBytes(bytes, start, l[o + 3] - start);
                out.writeShort(CRLF);
            }
        }
    }

    /** Stops forwarding the header lines named {@code name} (ignoring case): the gateway sets that header itself. */
    public void dropForwarded(String name) {
        int n = name.length();
        int[] l = lines;
        for (int i = 0; i < count; i++) {
            int o = i * 6;
            if (l[o + 5] != 0 && l[o + 1] - l[o] == n && nameIs(l[o], name)) {
                l[o + 5] = 0;
                dropped++;
            }
        }
    }

    private boolean nameIs(int at, String name) {
        for (int j = 0, n = name.length(); j < n; j++) {
            char a = (char) (bytes[at + j] & 0xff);
            char b = name.charAt(j);
            if (a != b && Character.toLowerCase(a) != Character.toLowerCase(b)) {
                return false;
            }
        }
        return true;
    }

    /** The forwarded headers as a mutable object, for response filters (the slow path). */
    public HttpHeaders forwardedHeaders() {
        HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
        for (int i = 0; i < count; i++) {
            if (isForwarded(i)) {
                h.add(name(i), value(i));
            }
        }
        return h;
    }

    private void addLine(int start, int nameEnd, int vs, int ve, int next, boolean forward) {
        int o = count * 6;
        if (o + 6 > lines.length) {
            lines = Arrays.copyOf(lines, lines.length * 2);
        }
        int[] l = lines;
        l[o] = start;
        l[o + 1] = nameEnd;
        l[o + 2] = vs;
        l[o + 3] = ve;
        l[o + 4] = next;
        l[o + 5] = forward ? 1 : 0;
        if (!forward) {
            dropped++;
        }
        count++;
    }

    private void dropHeader(String lowerName) {
        for (int i = 0; i < count; i++) {
            int o = i * 6;
            if (lines[o + 5] != 0 && lines[o + 1] - lines[o] == lowerName.length() && is(bytes, lines[o], lowerName)) {
                lines[o + 5] = 0;
                dropped++;
            }
        }
    }

    private void dropConnectionNames() {
        for (String name : connectionNames) {
            dropHeader(name);
        }
    }

    private static int lineEnd(byte[] b, int from, int n) {
        for (int i = from; i < n; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return n;
    }

    /** Case-insensitive match of the bytes at {@code at} against a lower-case ASCII name of the same length. */
    private static boolean is(byte[] b, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int c = b[at + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads the Connection tokens: close, keep-alive, and the names of headers to drop (never the framing
     * headers: dropping Content-Length would leave the client without a way to find the end of the body).
     */
    private void connectionTokens(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            while (i < to && (b[i] == ' ' || b[i] == '\t' || b[i] == ',')) {
                i++;
            }
            int s = i;
            while (i < to && b[i] != ',' && b[i] != ' ' && b[i] != '\t') {
                i++;
            }
            int len = i - s;
            if (len == 0) {
                continue;
            }
            if (len == 5 && is(b, s, "close")) {
                connectionClose = true;
            } else if (len == 10 && is(b, s, "keep-alive")) {
                connectionKeepAlive = true;
            } else if (!(len == 14 && is(b, s, "content-length"))) {
                if (connectionNames == null) {
                    connectionNames = new ArrayList<>(2);
                }
                connectionNames.add(new String(b, s, len, StandardCharsets.ISO_8859_1)
                        .toLowerCase(Locale.ROOT));
            }
        }
    }

    private String contentLength(byte[] b, int from, int to) {
        // A list of identical values ("42, 42") is allowed (RFC 9110 8.6); anything else is an error.
        if (from == to) {
            return "empty Content-Length";
        }
        int i = from;
        while (i < to) {
            while (i < to && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            long v = 0;
            int digits = 0;
            while (i < to && b[i] >= '0' && b[i] <= '9') {
                if (++digits > 18) {
                    return "Content-Length too large";
                }
                v = v * 10 + (b[i] - '0');
                i++;
            }
            while (i < to && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            if (digits == 0 || (i < to && b[i] != ',')) {
                return "invalid Content-Length";
            }
            i++;
            if (contentLength >= 0 && contentLength != v) {
                return "differing Content-Length values";
            }
            contentLength = v;
        }
        return null;
    }

    private static boolean lastCodingIsChunked(byte[] b, int from, int to) {
        int e = to;
        while (e > from && (b[e - 1] == ' ' || b[e - 1] == '\t')) {
            e--;
        }
        int s = e;
        while (s > from && b[s - 1] != ',' && b[s - 1] != ' ' && b[s - 1] != '\t') {
            s--;
        }
        return e - s == 7 && is(b, s, "chunked");
    }
}
