package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawH2;
import dev.gateway.server.support.RawHttp;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each HTTP/2 flood, sent by a raw-frame client: the gateway's limit (set low here) stops it, the connection closes
 * (or the stream is refused) and {@code gateway_http2_floods_total{kind}} counts it.
 */
class Http2FloodsIT {
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = Gateways.start(Gateways.yaml("""
                http2:
                  cleartext: prior-knowledge
                  max-concurrent-streams: 4
                  max-header-list-size: 16KiB
                  max-resets: {count: 20, window: 30s}
                  max-empty-data-frames: 5
                  max-small-continuation-frames: 8
                  max-queued-control-frames: 100
                  premature-resets: {min-streams: 30, percent: 50}
                """, """
                metrics: {enabled: true}
                routes:
                  - id: slow
                    paths: [/slow]
                    mock: {body: slow, delay: 20s}
                  - id: fast
                    paths: [/fast/**]
                    mock: {body: fast}
                """));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    static double floods(String kind) throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        Matcher m = Pattern.compile("gateway_http2_floods_total\\{kind=\"" + kind + "\"} (\\S+)").matcher(r.text());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    static void awaitCounted(String kind, double before) {
        Await.until(Duration.ofSeconds(10), kind + " counted", () -> {
            try {
                return floods(kind) > before;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static RawH2.Frame goAway(List<RawH2.Frame> frames) {
        return frames.stream().filter(f -> f.type() == RawH2.GOAWAY).findFirst()
                .orElseThrow(() -> new AssertionError("no GOAWAY in " + frames));
    }

    @Test
    void rapidResetClosesTheConnection() throws Exception {
        double before = floods("rapid_reset");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            for (int i = 0; i < 21; i++) { // one over the limit: nothing left unsent when the gateway closes
                int stream = 1 + 2 * i;
                c.headers(stream, RawH2.request("GET", "/slow"), true).rst(stream, Http2Error.CANCEL.code());
            }
            RawH2.Frame g = goAway(c.readToEnd());
            assertThat(g.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
        awaitCounted("rapid_reset", before);
    }

    @Test
    void mostlyPrematureResetsCloseTheConnectionEvenUnderTheResetLimit() throws Exception {
        double before = floods("premature_resets");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            int stream = 1;
            for (int i = 0; i < 14; i++, stream += 2) {
                c.headers(stream, RawH2.request("GET", "/fast/" + i), true);
                int s = stream;
                assertThat(c.readUntil(RawH2.DATA, s)).anyMatch(f -> f.type() == RawH2.DATA && f.stream() == s);
            }
            // 16 resets: under max-resets (20), but 16 of 30 streams reset before their response began.
            for (int i = 0; i < 16; i++, stream += 2) {
                c.headers(stream, RawH2.request("GET", "/slow"), true).rst(stream, Http2Error.CANCEL.code());
            }
            RawH2.Frame g = goAway(c.readToEnd());
            assertThat(g.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
            assertThat(g.text()).contains("premature");
        }
        awaitCounted("premature_resets", before);
    }

    @Test
    void resetsTheClientMakesTheGatewaySendCloseTheConnection() throws Exception {
        double before = floods("resets_sent");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            for (int i = 0; i < 21; i++) { // one over the limit: nothing left unsent when the gateway closes
                int stream = 1 + 2 * i;
                c.headers(stream, RawH2.request("GET", "/slow"), true);
                // A zero WINDOW_UPDATE on an open stream is a stream error: the gateway has to reset the stream
                // (MadeYouReset, CVE-2025-55163).
                c.frame(RawH2.WINDOW_UPDATE, 0, stream, new byte[4]);
            }
            RawH2.Frame g = goAway(c.readToEnd());
            assertThat(g.errorCode()).isEqualTo(Http2Error.ENHANCE_YOUR_CALM.code());
        }
        awaitCounted("resets_sent", before);
    }

    @Test
    void continuationFloodOfEmptyFramesClosesTheConnection() throws Exception {
        double before = floods("continuation");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            // HEADERS without END_HEADERS, then empty CONTINUATION frames that never end the block.
            c.frame(RawH2.HEADERS, 0x1, 1, new byte[] {(byte) 0x82}); // :method GET, END_STREAM, no END_HEADERS
            try {
                for (int i = 0; i < 50; i++) {
                    c.frame(RawH2.CONTINUATION, 0, 1, new byte[0]);
                }
            } catch (IOException closed) {
                // Closed by the gateway before the last ones were sent.
            }
            c.readToEnd(); // the connection ends (with a GOAWAY, unless the reset of the unread frames beats it)
        }
        awaitCounted("continuation", before);
    }

    @Test
    void emptyDataFloodClosesTheConnection() throws Exception {
        double before = floods("empty_data");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/slow"), false);
            try {
                for (int i = 0; i < 20; i++) {
                    c.data(1, new byte[0], false);
                }
            } catch (IOException closed) {
                // Closed by the gateway before the last ones were sent.
            }
            c.readToEnd(); // the connection ends (with a GOAWAY, unless the reset of the unread frames beats it)
        }
        awaitCounted("empty_data", before);
    }

    @Test
    void hpackBombIsRefusedWith431() throws Exception {
        double before = floods("header_list");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            // One 1,000-byte field indexed once and referenced 40 times: about 1 KiB on the wire, 40 KiB decoded.
            Http2Headers h = RawH2.request("GET", "/fast/bomb");
            String value = "b".repeat(1000);
            for (int i = 0; i < 40; i++) {
                h.add("x-bomb", value);
            }
            c.headers(1, h, true);
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 1);
            assertThat(frames).as("a 431 or a GOAWAY, never the route's answer")
                    .anyMatch(f -> f.type() == RawH2.HEADERS && f.stream() == 1 || f.type() == RawH2.GOAWAY)
                    .noneMatch(f -> f.type() == RawH2.DATA && f.text().contains("fast"));
        }
        awaitCounted("header_list", before);
    }

    @Test
    void streamsOverTheLimitAreRefused() throws Exception {
        double before = floods("streams_over_limit");
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            for (int i = 0; i < 6; i++) {
                c.headers(1 + 2 * i, RawH2.request("GET", "/slow"), true);
            }
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 9);
            RawH2.Frame rst = frames.get(frames.size() - 1);
            assertThat(rst.type()).isEqualTo(RawH2.RST_STREAM);
            assertThat(rst.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
        }
        awaitCounted("streams_over_limit", before);
    }

    @Test
    void pingFloodFromAClientThatDoesNotReadClosesTheConnection() throws Exception {
        controlFlood("ping");
    }

    @Test
    void settingsFloodFromAClientThatDoesNotReadClosesTheConnection() throws Exception {
        controlFlood("settings");
    }

    private void controlFlood(String what) throws Exception {
        double before = floods("control_frames");
        try (RawH2 c = RawH2.connect(gateway.port(), 1024)) {
            int type = what.equals("ping") ? RawH2.PING : RawH2.SETTINGS;
            byte[] one = RawH2.frameBytes(type, 0, 0, what.equals("ping") ? new byte[8] : new byte[0]);
            byte[] batch = new byte[one.length * 10_000];
            for (int i = 0; i < 10_000; i++) {
                System.arraycopy(one, 0, batch, i * one.length, one.length);
            }
            // Each asks for an acknowledgement the client never reads; the gateway's queue of them hits the limit.
            try {
                for (int i = 0; i < 100 && floods("control_frames") <= before; i++) {
                    c.writeRaw(batch);
                }
            } catch (IOException closed) {
                // The gateway closed the connection while frames were still being sent: what the test wants.
            }
        }
        awaitCounted("control_frames", before);
    }

    @Test
    void aWellBehavedConnectionStillWorksAfterTheFloods() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("GET", "/fast/ok"), true);
            List<RawH2.Frame> frames = c.readUntil(RawH2.DATA, 1);
            assertThat(frames.get(frames.size() - 1).text()).isEqualTo("fast");
        }
    }
}
