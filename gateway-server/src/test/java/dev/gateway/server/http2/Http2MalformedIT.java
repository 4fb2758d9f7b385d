package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawH2;
import dev.gateway.server.support.TestUpstream;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 9113 section 8.2: what may not be converted to HTTP/1.1 for the upstream is a stream error (RST_STREAM
 * PROTOCOL_ERROR, or a 400 on the stream), never forwarded; the connection's other streams go on.
 */
class Http2MalformedIT {
    static TestUpstream upstream;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("orders");
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                upstreams:
                  orders: {targets: ["%s"]}
                routes:
                  - id: orders
                    paths: [/orders/**]
                    upstream: orders
                """.formatted(upstream.url())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void clear() {
        upstream.received().clear();
    }

    /** Sends {@code headers} on stream 1 (and {@code body}, if any), then a valid GET on stream 3. */
    private static List<RawH2.Frame> send(Http2Headers headers, byte[] body) throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, headers, body == null);
            if (body != null) {
                c.data(1, body, true);
            }
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 1);
            // The connection still serves: a valid request on the next stream is answered.
            c.headers(3, RawH2.request("GET", "/orders/after"), true);
            List<RawH2.Frame> after = c.readUntil(RawH2.DATA, 3);
            assertThat(after).anyMatch(f -> f.type() == RawH2.DATA && f.text().contains("/orders/after"));
            return frames;
        }
    }

    private static void assertReset(List<RawH2.Frame> frames) {
        RawH2.Frame last = frames.get(frames.size() - 1);
        assertThat(last.type()).as("frames %s", frames).isEqualTo(RawH2.RST_STREAM);
        assertThat(last.errorCode()).as("frames %s", frames).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        assertThat(upstream.received()).extracting(TestUpstream.Received::uri).doesNotContain("/orders/bad");
    }

    @Test
    void connectionSpecificFieldIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "connection", "keep-alive"), null));
    }

    @Test
    void transferEncodingIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "transfer-encoding", "chunked"), null));
    }

    @Test
    void teOtherThanTrailersIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "te", "gzip"), null));
    }

    @Test
    void uppercaseNameIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "X-Upper", "1"), null));
    }

    @Test
    void pseudoHeaderAfterARegularFieldIsAStreamError() throws Exception {
        // Written byte by byte: Netty's header objects keep pseudo-header fields first. :method GET, :scheme http,
        // :authority a, then x-a: 1, then :path /.
        byte[] block = {(byte) 0x82, (byte) 0x86, 0x41, 0x01, 'a', 0x00, 0x03, 'x', '-', 'a', 0x01, '1', (byte) 0x84};
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.frame(RawH2.HEADERS, 0x5, 1, block); // END_STREAM | END_HEADERS
            assertReset(c.readUntil(RawH2.RST_STREAM, 1));
        }
    }

    @Test
    void missingPathIsAStreamError() throws Exception {
        assertReset(send(new DefaultHttp2Headers(false).method("GET").scheme("http").authority("a"), null));
    }

    @Test
    void contentLengthThatDisagreesWithTheDataIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("POST", "/orders/bad", "content-length", "10"), "12345".getBytes()));
    }

    @Test
    void crlfInAValueIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "x-inject", "a\r\nx-evil: 1"), null));
    }

    @Test
    void nulInAValueIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "x-nul", "a\u0000b"), null));
    }

    @Test
    void leadingWhitespaceInAValueIsAStreamError() throws Exception {
        assertReset(send(RawH2.request("GET", "/orders/bad", "x-space", " a"), null));
    }

    @Test
    void aSecondHeaderBlockThatDoesNotEndTheStreamIsAStreamError() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/orders/bad"), false);
            c.data(1, "abc".getBytes(), false);
            c.headers(1, new DefaultHttp2Headers(false).add("x-more", "1"), false);
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 1);
            RawH2.Frame last = frames.get(frames.size() - 1);
            assertThat(last.type()).as("frames %s", frames).isEqualTo(RawH2.RST_STREAM);
            assertThat(last.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        }
        assertThat(upstream.received()).extracting(TestUpstream.Received::uri).doesNotContain("/orders/bad");
    }

    @Test
    void pseudoHeaderInTrailersIsAStreamError() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/orders/bad"), false);
            c.data(1, "abc".getBytes(), false);
            c.headers(1, new DefaultHttp2Headers(false).path("/evil"), true);
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 1);
            RawH2.Frame last = frames.get(frames.size() - 1);
            assertThat(last.type()).as("frames %s", frames).isEqualTo(RawH2.RST_STREAM);
            assertThat(last.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        }
        assertThat(upstream.received()).extracting(TestUpstream.Received::uri).doesNotContain("/orders/bad");
    }
}
