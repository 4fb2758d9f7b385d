package dev.gateway.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gateway's own corpus of hostile and unusual requests, sent as raw bytes: request-line versions, Host forms,
 * request smuggling variants and an HTTP/2 preface. For each case it asserts every answer the client got (status and
 * error code, in order, and nothing more), whether the connection closed, and exactly which requests reached the
 * upstream with how many body bytes.
 */
class RequestCorpusIT {
    static TestUpstream upstream;
    static GatewayServer gateway;

    /**
     * One case: the bytes sent, the answers expected in order ({@code status} or {@code status:code} for a gateway
     * error), whether the gateway then closes the connection, and what reached the upstream ({@code uri} or
     * {@code uri#bodyBytes}).
     */
    record Case(String name, byte[] raw, List<String> answers, boolean closes, List<String> upstreamSaw) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case refused(String name, String raw, int status, String code) {
        return new Case(name, bytes(raw), List.of(status + ":" + code), true, List.of());
    }

    static Case forwarded(String name, String raw, String... upstreamSaw) {
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < upstreamSaw.length; i++) {
            answers.add("200");
        }
        return new Case(name, bytes(raw), answers, false, List.of(upstreamSaw));
    }

    static Case closedAfter(Case c) {
        return new Case(c.name, c.raw, c.answers, true, c.upstreamSaw);
    }

    static byte[] bytes(String raw) {
        return raw.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String get(String target, String version, String host) {
        return "GET " + target + " " + version + "\r\n" + (host == null ? "" : "Host: " + host + "\r\n") + "\r\n";
    }

    static Stream<Case> versions() {
        return Stream.of(
                forwarded("HTTP/1.1", get("/v", "HTTP/1.1", "x"), "/v"),
                closedAfter(forwarded("HTTP/1.0 without Host", get("/v", "HTTP/1.0", null), "/v")),
                refused("lower-case http/1.1", get("/v", "http/1.1", "x"), 400, "bad_request"),
                refused("mixed-case Http/1.1", get("/v", "Http/1.1", "x"), 400, "bad_request"),
                refused("HTTP/2.0", get("/v", "HTTP/2.0", "x"), 505, "http_version_not_supported"),
                refused("HTTP/1.2", get("/v", "HTTP/1.2", "x"), 505, "http_version_not_supported"),
                refused("HTTP/3.0", get("/v", "HTTP/3.0", "x"), 505, "http_version_not_supported"),
                refused("HTTP/1.10", get("/v", "HTTP/1.10", "x"), 400, "bad_request"),
                refused("HTTP/1", get("/v", "HTTP/1", "x"), 400, "bad_request"),
                refused("ICE/1.0", get("/v", "ICE/1.0", "x"), 400, "bad_request"),
                refused("HTTP/0.9 request line", "GET /v\r\n\r\n", 400, "bad_request"),
                // The HTTP/2 prior-knowledge preface: one answer for all of it, then the connection closes.
                refused("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "http_version_not_supported"),
                refused("h2 preface then a SETTINGS frame",
                        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000", 505,
                        "http_version_not_supported"));
    }

    static Stream<Case> requestLines() {
        return Stream.of(
                refused("NUL in the path", "GET /a\u0000b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_path"),
                refused("NUL in the method", "G\u0000T /a HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("tab in the path", "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("DEL in the path", "GET /a\u007fb HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid_path"),
                refused("non-ASCII byte in the path", "GET /a\u00ffb HTTP/1.1\r\nHost: x\r\n\r\n", 400,
                        "invalid_path"),
                refused("space in the path", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("bare CR in the request line", "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("separator in the method", "G(T /a HTTP/1.1\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("not HTTP at all", "THIS IS NOT HTTP\r\n\r\n", 400, "bad_request"),
                refused("path escaping the root", "GET /a/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400,
                        "invalid_path"),
                forwarded("an empty line before the request line", "\r\n" + get("/v", "HTTP/1.1", "x"), "/v"),
                forwarded("percent-encoded bytes in the path", get("/a%20b%00", "HTTP/1.1", "x"), "/a%20b%00"));
    }

    static Stream<Case> hosts() {
        return Stream.of(
                forwarded("reg-name", get("/h", "HTTP/1.1", "api.example.com"), "/h"),
                forwarded("reg-name and port", get("/h", "HTTP/1.1", "api.example.com:8080"), "/h"),
                forwarded("reg-name with _ ~ and sub-delims", get("/h", "HTTP/1.1", "a_b~c!$&'()*+,;=.example"),
                        "/h"),
                forwarded("percent-encoded reg-name", get("/h", "HTTP/1.1", "a%2Db.example"), "/h"),
                forwarded("IPv4 and port", get("/h", "HTTP/1.1", "127.0.0.1:80"), "/h"),
                forwarded("IPv6 literal", get("/h", "HTTP/1.1", "[2001:db8::1]"), "/h"),
                forwarded("IPv6 literal and port", get("/h", "HTTP/1.1", "[::1]:8443"), "/h"),
                forwarded("IPv4-mapped IPv6 literal", get("/h", "HTTP/1.1", "[::ffff:192.0.2.1]"), "/h"),
                forwarded("empty Host (a target without authority)", get("/h", "HTTP/1.1", ""), "/h"),
                refused("space", get("/h", "HTTP/1.1", "a b"), 400, "invalid_host"),
                refused("userinfo", get("/h", "HTTP/1.1", "user@evil.example"), 400, "invalid_host"),
                refused("a path", get("/h", "HTTP/1.1", "evil.example/x"), 400, "invalid_host"),
                refused("a backslash", get("/h", "HTTP/1.1", "evil.example\\x"), 400, "invalid_host"),
                refused("a port with a letter", get("/h", "HTTP/1.1", "api.example:80a"), 400, "invalid_host"),
                refused("a negative port", get("/h", "HTTP/1.1", "api.example:-1"), 400, "invalid_host"),
                refused("a port of six digits", get("/h", "HTTP/1.1", "api.example:123456"), 400, "invalid_host"),
                refused("two ports", get("/h", "HTTP/1.1", "api.example:80:81"), 400, "invalid_host"),
                refused("an unbracketed IPv6 literal", get("/h", "HTTP/1.1", "2001:db8::1"), 400, "invalid_host"),
                refused("an unclosed IPv6 literal", get("/h", "HTTP/1.1", "[::1"), 400, "invalid_host"),
                refused("a bracketed non-address", get("/h", "HTTP/1.1", "[evil.example]"), 400, "invalid_host"),
                refused("a bad percent-escape", get("/h", "HTTP/1.1", "a%zz.example"), 400, "invalid_host"),
                refused("non-ASCII", get("/h", "HTTP/1.1", "\u00e9vil.example"), 400, "invalid_host"),
                refused("a control character", get("/h", "HTTP/1.1", "a\u0001b"), 400, "bad_request"),
                refused("a quote", get("/h", "HTTP/1.1", "a\"b"), 400, "invalid_host"),
                refused("two Host fields", "GET /h HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"),
                refused("no Host on HTTP/1.1", get("/h", "HTTP/1.1", null), 400, "bad_request"),
                refused("an invalid Host on HTTP/1.0", get("/h", "HTTP/1.0", "a b"), 400, "invalid_host"));
    }

    static Stream<Case> smuggling() {
        String post = "POST /s HTTP/1.1\r\nHost: x\r\n";
        return Stream.of(
                refused("Content-Length and Transfer-Encoding",
                        post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1"
                                + "\r\nHost: x\r\n\r\n", 400, "bad_request"),
                refused("Transfer-Encoding and Content-Length",
                        post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400,
                        "bad_request"),
                refused("space before the colon", post + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400,
                        "bad_request"),
                refused("Transfer-Encoding xchunked", post + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400,
                        "bad_request"),
                refused("Transfer-Encoding chunked, identity",
                        post + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400, "bad_request"),
                refused("Transfer-Encoding on HTTP/1.0",
                        "POST /s HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "bad_request"),
                refused("Content-Length +5", post + "Content-Length: +5\r\n\r\nhello", 400, "bad_request"),
                refused("Content-Length 0x5", post + "Content-Length: 0x5\r\n\r\nhello", 400, "bad_request"),
                refused("Content-Length 5 5", post + "Content-Length: 5 5\r\n\r\nhello", 400, "bad_request"),
                refused("Content-Length -1", post + "Content-Length: -1\r\n\r\n", 400, "bad_request"),
                refused("Content-Length 3, 5", post + "Content-Length: 3, 5\r\n\r\nhello", 400, "bad_request"),
                refused("two equal Content-Length fields",
                        post + "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400, "bad_request"),
                refused("an oversized chunk size",
                        post + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nx\r\n0\r\n\r\n", 400,
                        "bad_request"),
                refused("chunk data longer than its size",
                        post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400, "bad_request"),
                refused("a NUL in a header value", post + "X-A: a\u0000b\r\nContent-Length: 0\r\n\r\n", 400,
                        "bad_request"),
                refused("a CR inside a header value", post + "X-A: a\rContent-Length: 0\r\n\r\n", 400,
                        "bad_request"),
                // Trailer fields are checked like header fields.
                refused("a control character in a trailer value",
                        post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: a\u0001b\r\n\r\n", 400,
                        "bad_request"),
                refused("a space in a trailer name",
                        post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX T: v\r\n\r\n", 400,
                        "bad_request"),
                forwarded("a valid trailer",
                        post + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n",
                        "/s#3"),
                // A body that carries another request is that many bytes of body; the next request is its own.
                forwarded("a request after a chunked body",
                        post + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n",
                        "/s#0", "/next"),
                forwarded("a request after a Content-Length body",
                        post + "Content-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\nHost: x\r\n\r\n", "/s#5",
                        "/next"),
                forwarded("a chunk extension", post + "Transfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n",
                        "/s#5"),
                forwarded("a GET with a Content-Length body",
                        "GET /g HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", "/g#3"));
    }

    /** RFC 9112 5.2 allows a recipient to replace obs-fold with spaces instead of refusing it; Netty does that. */
    @Test
    void obsFoldIsForwardedAsOneValueWithSpaces() throws IOException {
        upstream.received().clear();
        try (RawHttp client = new RawHttp(gateway.port())) {
            RawHttp.Response r = client.send("POST /s HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tchunked\r\n"
                    + "Transfer-Encoding:\r\n chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        TestUpstream.Received saw = upstream.last();
        assertThat(saw.headers().get("x-a")).isEqualTo("a chunked");
        assertThat(saw.bodyBytes()).isEqualTo(3);
        assertThat(upstream.received()).hasSize(1);
    }

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  u:
                    targets: ["${U}"]
                routes:
                  - id: all
                    paths: [/**]
                    upstream: u
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"versions", "requestLines", "hosts", "smuggling"})
    void corpus(Case c) throws IOException {
        check(c);
    }

    /** True if the peer closed; false if it stays open and silent; fails if it sends anything more. */
    private static boolean afterAnswers(RawHttp client) {
        try {
            int b = client.input().read();
            assertThat(b).as("bytes after the expected answers").isEqualTo(-1);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private static void check(Case c) throws IOException {
        upstream.received().clear();
        List<String> answers = new ArrayList<>();
        boolean closed;
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.timeout(2000);
            client.send(c.raw());
            for (int i = 0; i < c.answers().size(); i++) {
                RawHttp.Response r = client.read();
                String text = r.text();
                if (r.status() >= 400) {
                    assertThat(r.header("content-type")).isEqualTo("application/json");
                    assertThat(text).startsWith("{\"error\":\"");
                    String code = text.substring(10, text.indexOf('"', 10));
                    answers.add(r.status() + ":" + code);
                    assertThat(r.header("connection")).as("a refusal says it closes").isEqualTo("close");
                } else {
                    answers.add(Integer.toString(r.status()));
                }
            }
            // After the expected answers: either a close (with nothing more) or an open, silent connection.
            client.timeout(c.closes() ? 2000 : 200);
            closed = afterAnswers(client);
        }
        assertThat(answers).as("answers").isEqualTo(c.answers());
        assertThat(closed).as("connection closed").isEqualTo(c.closes());
        List<String> saw = upstream.received().stream()
                .map(r -> r.bodyBytes() > 0 || r.method().equals("POST") || r.uri().equals("/g")
                        ? r.uri() + "#" + r.bodyBytes() : r.uri())
                .toList();
        assertThat(saw).as("what the upstream saw").isEqualTo(c.upstreamSaw());
    }
}
