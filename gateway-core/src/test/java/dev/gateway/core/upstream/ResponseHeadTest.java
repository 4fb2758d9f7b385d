package dev.gateway.core.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.upstream.ResponseHead.Framing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResponseHeadTest {

    /** Loads {@code raw} (from behind a few unrelated bytes, so the index matters) and parses it. */
    private static String parseInto(ResponseHead head, String raw, boolean headRequest) {
        byte[] bytes = raw.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf in = Unpooled.buffer(bytes.length + 3);
        try {
            in.writeBytes(new byte[] {'x', 'y', 'z'}).writeBytes(bytes);
            head.load(in, 3, bytes.length);
        } finally {
            in.release();
        }
        return head.parse(headRequest);
    }

    private static ResponseHead parse(String raw, boolean headRequest) {
        ResponseHead head = new ResponseHead();
        String error = parseInto(head, raw, headRequest);
        assertThat(error).as("parse error for %s", raw).isNull();
        return head;
    }

    private static ResponseHead parse(String raw) {
        return parse(raw, false);
    }

    private static String error(String raw) {
        return parseInto(new ResponseHead(), raw, false);
    }

    private static String forwardedLines(ResponseHead head) {
        return TestHeads.forwardedLines(head);
    }

    private static String statusLine(ResponseHead head) {
        ByteBuf out = Unpooled.buffer();
        try {
            head.writeStatusLine(out);
            return out.toString(StandardCharsets.ISO_8859_1);
        } finally {
            out.release();
        }
    }

    private static List<String> forwardedNames(ResponseHead head) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < head.headerCount(); i++) {
            if (head.isForwarded(i)) {
                names.add(head.name(i));
            }
        }
        return names;
    }

    // ----- simple responses and keep-alive

    @Test
    void simple200WithContentLengthIsLengthFramedAndForwardedByteForByte() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
                + "X-Custom:  spaced value \r\n\r\n");

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.isHttp10()).isFalse();
        assertThat(head.isKeepAlive()).isTrue();
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
        assertThat(head.contentLength()).isEqualTo(5);
        assertThat(head.headerCount()).isEqualTo(3);
        assertThat(head.name(2)).isEqualTo("X-Custom");
        assertThat(head.value(2)).isEqualTo("spaced value");
        assertThat(forwardedLines(head))
                .isEqualTo("Content-Type: text/plain\r\nContent-Length: 5\r\nX-Custom:  spaced value \r\n");
    }

    @Test
    void contentLengthZeroHasNoBodyAndKeepsAlive() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.NONE);
        assertThat(head.contentLength()).isZero();
        assertThat(head.isKeepAlive()).isTrue();
    }

    @Test
    void http10ResponseIsNotKeptAliveByDefault() {
        ResponseHead head = parse("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n");

        assertThat(head.isHttp10()).isTrue();
        assertThat(head.isKeepAlive()).isFalse();
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
    }

    @Test
    void http10ResponseWithConnectionKeepAliveIsKeptAlive() {
        ResponseHead head = parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\n");

        assertThat(head.isKeepAlive()).isTrue();
        assertThat(forwardedLines(head)).isEqualTo("Content-Length: 2\r\n");
    }

    @Test
    void http10KeepAliveResponseWithoutLengthIsReadUntilCloseAndNotKeptAlive() {
        ResponseHead head = parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.UNTIL_CLOSE);
        assertThat(head.isKeepAlive()).isFalse();
    }

    @Test
    void http11ResponseWithConnectionCloseIsNotKeptAlive() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: CLOSE\r\n\r\n");

        assertThat(head.isKeepAlive()).isFalse();
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
        assertThat(forwardedLines(head)).isEqualTo("Content-Length: 2\r\n");
    }

    @Test
    void connectionCloseInOneHeaderWinsOverKeepAliveInALaterOne() {
        // RFC 9112 9.6: a "close" option means the connection will not persist, whatever else is listed.
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\n"
                + "Content-Length: 2\r\n\r\n");

        assertThat(head.isKeepAlive()).isFalse();
    }

    @Test
    void connectionCloseAndKeepAliveInOneHeaderIsNotKeptAlive() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nConnection: close, keep-alive\r\nContent-Length: 2\r\n\r\n");

        assertThat(head.isKeepAlive()).isFalse();
    }

    // ----- which headers are forwarded

    @Test
    void hopByHopHeadersAreNotForwardedWhateverTheirCase() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n"
                + "Content-Length: 2\r\n"
                + "connection: keep-alive\r\n"
                + "KEEP-ALIVE: timeout=5\r\n"
                + "Proxy-Authenticate: Basic\r\n"
                + "proxy-authorization: secret\r\n"
                + "Proxy-Connection: keep-alive\r\n"
                + "Te: trailers\r\n"
                + "Trailer: X-Checksum\r\n"
                + "Upgrade: h2c\r\n"
                + "Cache-Control: no-store\r\n"
                + "X-Tea: green\r\n"
                + "Upgraded: no\r\n"
                + "\r\n");

        assertThat(forwardedNames(head)).containsExactly("Content-Length", "Cache-Control", "X-Tea", "Upgraded");
        assertThat(forwardedLines(head))
                .isEqualTo("Content-Length: 2\r\nCache-Control: no-store\r\nX-Tea: green\r\nUpgraded: no\r\n");
    }

    @Test
    void transferEncodingIsNotForwarded() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: chunked\r\nX-A: 1\r\n\r\n");

        assertThat(forwardedLines(head)).isEqualTo("X-A: 1\r\n");
    }

    @Test
    void headersNamedByConnectionAreNotForwardedWhereverTheyAppear() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n"
                + "X-Foo: before\r\n"
                + "Connection: x-foo, X-BAR\r\n"
                + "Content-Length: 2\r\n"
                + "x-bar: after\r\n"
                + "X-Foobar: kept\r\n"
                + "X-Fo: kept\r\n"
                + "\r\n");

        assertThat(head.isKeepAlive()).isTrue();
        assertThat(forwardedNames(head)).containsExactly("Content-Length", "X-Foobar", "X-Fo");
        assertThat(forwardedLines(head)).isEqualTo("Content-Length: 2\r\nX-Foobar: kept\r\nX-Fo: kept\r\n");
    }

    @Test
    void xRequestIdFromTheUpstreamIsNotForwarded() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nX-Request-ID: upstream-id\r\nContent-Length: 2\r\n\r\n");

        assertThat(forwardedNames(head)).containsExactly("Content-Length");
        assertThat(head.isForwarded(0)).isFalse();
    }

    @Test
    void forwardedHeadersHoldOnlyTheForwardedHeaders() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n"
                + "Content-Type: text/plain\r\n"
                + "Connection: x-hop\r\n"
                + "X-Hop: 1\r\n"
                + "X-Request-Id: abc\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "Set-Cookie: a=1\r\n"
                + "Set-Cookie: b=2\r\n"
                + "Content-Length: 3\r\n"
                + "\r\n");

        HttpHeaders h = head.forwardedHeaders();

        assertThat(h.names()).containsExactlyInAnyOrder("Content-Type", "Set-Cookie", "Content-Length");
        assertThat(h.getAll("set-cookie")).containsExactly("a=1", "b=2");
        assertThat(h.get("content-type")).isEqualTo("text/plain");
        assertThat(h.get("content-length")).isEqualTo("3");
        assertThat(h.size()).isEqualTo(4);
    }

    // ----- framing

    @Test
    void chunkedResponseIsChunkFramedWithoutContentLength() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.CHUNKED);
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void chunkedHttp11ResponseKeepsTheConnectionAlive() {
        // Plain chunked coding is how HTTP/1.1 keeps a connection open without a length (RFC 9112 6.3 item 4);
        // only a Transfer-Encoding together with Content-Length (or on HTTP/1.0) is a reason to close.
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");

        assertThat(head.isKeepAlive()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 10\r\nX-A: 1\r\n\r\n"})
    void transferEncodingOverridesContentLengthWhichIsDroppedAndTheConnectionNotReused(String raw) {
        ResponseHead head = parse(raw);

        assertThat(head.framing()).isEqualTo(Framing.CHUNKED);
        assertThat(head.contentLength()).isEqualTo(-1);
        assertThat(head.isKeepAlive()).isFalse();
        assertThat(forwardedNames(head)).containsExactly("X-A");
        assertThat(forwardedLines(head)).isEqualTo("X-A: 1\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "chunked, gzip", "chunkedx", "x-chunked"})
    void transferEncodingWithoutChunkedLastIsReadUntilClose(String codings) {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: " + codings + "\r\nContent-Length: 4\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.UNTIL_CLOSE);
        assertThat(head.isKeepAlive()).isFalse();
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void transferEncodingWithChunkedLastIsChunkFramed() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,  Chunked \r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.CHUNKED);
    }

    @Test
    void responseWithoutLengthOrTransferEncodingIsReadUntilCloseAndNotKeptAlive() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.UNTIL_CLOSE);
        assertThat(head.isKeepAlive()).isFalse();
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void responseToHeadHasNoBodyButKeepsItsContentLength() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true);

        assertThat(head.framing()).isEqualTo(Framing.NONE);
        assertThat(head.contentLength()).isEqualTo(1234);
        assertThat(head.isKeepAlive()).isTrue();
        assertThat(forwardedLines(head)).isEqualTo("Content-Length: 1234\r\n");
    }

    @Test
    void chunkedResponseToHeadHasNoBody() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true);

        assertThat(head.framing()).isEqualTo(Framing.NONE);
    }

    @ParameterizedTest
    @ValueSource(ints = {204, 304})
    void noContentAndNotModifiedHaveNoBodyWhateverTheHeadersSay(int status) {
        ResponseHead head = parse("HTTP/1.1 " + status + " X\r\nContent-Length: 100\r\n\r\n");

        assertThat(head.status()).isEqualTo(status);
        assertThat(head.framing()).isEqualTo(Framing.NONE);
        assertThat(head.isKeepAlive()).isTrue();
    }

    @Test
    void noContentWithoutHeadersHasNoBodyAndKeepsAlive() {
        ResponseHead head = parse("HTTP/1.1 204 No Content\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.NONE);
        assertThat(head.isKeepAlive()).isTrue();
        assertThat(head.headerCount()).isZero();
        assertThat(forwardedLines(head)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"100 Continue", "102 Processing", "103 Early Hints"})
    void interimResponsesHaveNoBody(String statusAndReason) {
        ResponseHead head = parse("HTTP/1.1 " + statusAndReason + "\r\nLink: </a.css>; rel=preload\r\n\r\n");

        assertThat(head.status()).isBetween(100, 199);
        assertThat(head.framing()).isEqualTo(Framing.NONE);
    }

    @Test
    void switchingProtocolsHasNoBodyAndEndsKeepAlive() {
        ResponseHead head = parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: upgrade\r\n\r\n");

        assertThat(head.framing()).isEqualTo(Framing.NONE);
        assertThat(head.isKeepAlive()).isFalse();
    }

    // ----- Content-Length values

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5, 5", "Content-Length: 5,5", "Content-Length: 5\r\nContent-Length: 5"})
    void identicalContentLengthValuesAreAccepted(String lines) {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n" + lines + "\r\n\r\n");

        assertThat(head.contentLength()).isEqualTo(5);
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5, 6", "Content-Length: 5\r\nContent-Length: 6",
        "Content-Length: 0, 5"})
    void differingContentLengthValuesAreRejected(String lines) {
        assertThat(error("HTTP/1.1 200 OK\r\n" + lines + "\r\n\r\n")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "+5", ",", "1 2", "5a", "0x10", "1.5", "99999999999999999999"})
    void nonNumericContentLengthIsRejected(String value) {
        assertThat(error("HTTP/1.1 200 OK\r\nContent-Length: " + value + "\r\n\r\n")).isNotNull();
    }

    @Test
    void emptyContentLengthIsRejected() {
        // Content-Length = 1*DIGIT (RFC 9110 8.6); an empty value is not "no Content-Length".
        assertThat(error("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n")).isNotNull();
    }

    // ----- invalid heads

    @ParameterizedTest
    @ValueSource(strings = {
        "HTTP/2.0 200 OK",
        "HTTP/1.2 200 OK",
        "HTTP/1.1",
        "HTTP/1.1 ",
        "HTTP/1.1 OK",
        "HTTP/1.1 20 OK",
        "HTTP/1.1 2000 OK",
        "HTTP/1.1 2x0 OK",
        "HTTP/1.1 099 Low",
        "HTTP/1.1  200 OK",
        "http/1.1 200 OK",
        "ICY 200 OK",
        "NOT HTTP AT ALL",
        "HTTP/1.1 200 O\u0001K"})
    void invalidStatusLinesAreRejected(String statusLine) {
        assertThat(error(statusLine + "\r\nContent-Length: 0\r\n\r\n")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-A: 1\r\n continued", "X-A: 1\r\n\tcontinued"})
    void obsoleteLineFoldingIsRejected(String lines) {
        assertThat(error("HTTP/1.1 200 OK\r\n" + lines + "\r\nContent-Length: 0\r\n\r\n")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-A : 1", "X-A\t: 1", "Content-Length : 5"})
    void whitespaceBeforeTheColonIsRejected(String line) {
        assertThat(error("HTTP/1.1 200 OK\r\n" + line + "\r\nContent-Length: 0\r\n\r\n")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-A: a\u0000b", "X-A: a\u0001b", "X-A: a\u007fb", "X-A: a\rb", "X-A: \u001b[31m"})
    void controlCharactersInAValueAreRejected(String line) {
        assertThat(error("HTTP/1.1 200 OK\r\n" + line + "\r\nContent-Length: 0\r\n\r\n")).isNotNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"no colon here", ": empty name", "X(A): 1", "X A: 1", "X-\u00e4: 1"})
    void invalidHeaderLinesAreRejected(String line) {
        assertThat(error("HTTP/1.1 200 OK\r\n" + line + "\r\nContent-Length: 0\r\n\r\n")).isNotNull();
    }

    @Test
    void tabAndObsTextInAValueAreAccepted() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nX-A: a\tb \u00e9\r\nContent-Length: 0\r\n\r\n");

        assertThat(head.value(0)).isEqualTo("a\tb \u00e9");
    }

    // ----- line endings

    @Test
    void bareLfLineEndingsAreAcceptedAndForwardedAsCrlf() {
        ResponseHead head = parse("HTTP/1.1 200 OK\nContent-Type: text/plain\nX-A:   1  \nContent-Length: 3\n\n");

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
        assertThat(head.contentLength()).isEqualTo(3);
        assertThat(forwardedLines(head)).isEqualTo("Content-Type: text/plain\r\nX-A:   1\r\nContent-Length: 3\r\n");
    }

    @Test
    void mixedLineEndingsWithDroppedHeadersAreForwardedAsCrlf() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nA: 1\nConnection: keep-alive\r\nB: 2\r\nC: 3\n\r\n");

        assertThat(forwardedLines(head)).isEqualTo("A: 1\r\nB: 2\r\nC: 3\r\n");
    }

    @Test
    void droppedHeadersBetweenKeptOnesLeaveTheKeptLinesIntact() {
        ResponseHead head = parse("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nKeep-Alive: x\r\nC: 3\r\n"
                + "Te: y\r\nUpgrade: z\r\nD: 4\r\nX-Request-Id: r\r\n\r\n");

        assertThat(forwardedLines(head)).isEqualTo("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n");
    }

    // ----- status line rewriting

    @Test
    void statusLineIsWrittenAsHttp11WithTheOriginalReason() {
        assertThat(statusLine(parse("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")))
                .isEqualTo("HTTP/1.1 404 Not Found\r\n");
        assertThat(statusLine(parse("HTTP/1.1 599 Something  Odd \t\r\nContent-Length: 0\r\n\r\n")))
                .isEqualTo("HTTP/1.1 599 Something  Odd \t\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/1.1 200\r\n", "HTTP/1.1 200 \r\n", "HTTP/1.1 200\n"})
    void emptyReasonPhraseIsWrittenAsEmpty(String statusLine) {
        ResponseHead head = parse(statusLine + "Content-Length: 0\r\n\r\n");

        assertThat(head.status()).isEqualTo(200);
        assertThat(statusLine(head)).isEqualTo("HTTP/1.1 200 \r\n");
    }

    // ----- reuse and sizes

    @Test
    void reusedInstanceForgetsThePreviousHead() {
        ResponseHead head = new ResponseHead();
        assertThat(parseInto(head, "HTTP/1.0 200 OK\r\nConnection: close, x-a\r\nX-A: 1\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n", false)).isNull();
        assertThat(head.framing()).isEqualTo(Framing.CHUNKED);

        assertThat(parseInto(head, "HTTP/1.1 201 Created\r\nX-A: 2\r\nContent-Length: 7\r\n\r\n", false)).isNull();

        assertThat(head.status()).isEqualTo(201);
        assertThat(head.isHttp10()).isFalse();
        assertThat(head.isKeepAlive()).isTrue();
        assertThat(head.framing()).isEqualTo(Framing.LENGTH);
        assertThat(head.contentLength()).isEqualTo(7);
        assertThat(forwardedLines(head)).isEqualTo("X-A: 2\r\nContent-Length: 7\r\n");
        assertThat(statusLine(head)).isEqualTo("HTTP/1.1 201 Created\r\n");
    }

    @Test
    void largeHeadWithManyHeadersIsParsedCompletely() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            lines.append("X-Header-").append(i).append(": ").append("v".repeat(40)).append(i).append("\r\n");
        }
        ResponseHead head = parse("HTTP/1.1 200 OK\r\n" + lines + "Content-Length: 1\r\n\r\n");

        assertThat(head.length()).isGreaterThan(1024);
        assertThat(head.headerCount()).isEqualTo(101);
        assertThat(head.name(99)).isEqualTo("X-Header-99");
        assertThat(forwardedLines(head)).isEqualTo(lines + "Content-Length: 1\r\n");
    }

    // ----- HTTP/2 heads

    @Test
    void h2HeadBecomesStatusLineAndForwardedLinesWithoutPseudoHeaders() {
        ResponseHead h = new ResponseHead();
        var headers = new io.netty.handler.codec.http2.DefaultHttp2Headers().status("404")
                .add("content-type", "text/plain").add("content-length", "5").add("x-request-id", "theirs")
                .add("set-cookie", "a=1").add("set-cookie", "b=2");
        assertThat(h.loadH2(headers, false)).isNull();
        assertThat(h.status()).isEqualTo(404);
        assertThat(statusLine(h)).isEqualTo("HTTP/1.1 404 Not Found\r\n");
        assertThat(h.framing()).isEqualTo(Framing.LENGTH);
        assertThat(h.contentLength()).isEqualTo(5);
        assertThat(h.isKeepAlive()).isTrue();
        assertThat(forwardedLines(h)).isEqualTo(
                "content-type: text/plain\r\ncontent-length: 5\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n");
    }

    @Test
    void h2HeadWithoutContentLengthHasABodyOfUnknownLength() {
        ResponseHead h = new ResponseHead();
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers().status("200"), false)).isNull();
        assertThat(h.framing()).isEqualTo(Framing.CHUNKED);
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers().status("204"), false)).isNull();
        assertThat(h.framing()).isEqualTo(Framing.NONE);
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers().status("200"), true)).isNull();
        assertThat(h.framing()).as("a HEAD request").isEqualTo(Framing.NONE);
    }

    @Test
    void h2HeadWithABadStatusOrValueIsRejected() {
        ResponseHead h = new ResponseHead();
        var noValidation = new io.netty.handler.codec.http2.DefaultHttp2Headers(false);
        assertThat(h.loadH2(noValidation, false)).isEqualTo("missing or invalid :status");
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers(false).status("2x0"), false))
                .isEqualTo("invalid :status");
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers(false).status("200")
                .add("x-a", "one\r\nx-injected: two"), false))
                .isEqualTo("invalid header name or control character in header value");
        assertThat(h.loadH2(new io.netty.handler.codec.http2.DefaultHttp2Headers(false).status("200")
                .add("x-a:b", "c"), false)).isEqualTo("invalid header name or control character in header value");
    }

    @Test
    void h2TrailersBecomeValidatedLinesWithoutHopByHopFields() {
        ResponseHead h = new ResponseHead();
        var t = new io.netty.handler.codec.http2.DefaultHttp2Headers().add("grpc-status", "0")
                .add("grpc-message", "ok").add("content-length", "3");
        assertThat(h.loadH2Trailers(t)).isNull();
        assertThat(forwardedLines(h)).isEqualTo("grpc-status: 0\r\ngrpc-message: ok\r\n");
    }
}
