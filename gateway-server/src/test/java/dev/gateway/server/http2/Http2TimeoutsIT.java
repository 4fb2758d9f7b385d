package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawH2;
import dev.gateway.server.support.TestUpstream;
import io.netty.handler.codec.http2.Http2Error;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The timeouts of an HTTP/2 connection and its streams (idle-timeout and write-timeout of 1s here). */
class Http2TimeoutsIT {
    static TestUpstream echo;
    static TestUpstream big;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        echo = TestUpstream.echo("echo");
        big = TestUpstream.start("big", (ctx, r, up) -> up.sendStream(ctx, 64L << 20, false));
        gateway = Gateways.start(Gateways.yaml("""
                idle-timeout: 1s
                write-timeout: 1s
                http2: {cleartext: prior-knowledge}
                """, """
                upstreams:
                  echo: {targets: ["%s"]}
                  big: {targets: ["%s"]}
                routes:
                  - {id: echo, paths: [/echo/**], upstream: echo}
                  - {id: big, paths: [/big/**], upstream: big, timeout: 120s}
                """.formatted(echo.url(), big.url())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        echo.close();
        big.close();
    }

    @Test
    void aRequestBodyThatStopsArrivingIsAnswered408() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("POST", "/echo/stall", "content-length", "10"), false);
            c.data(1, "abc".getBytes(StandardCharsets.US_ASCII), false);
            List<RawH2.Frame> frames = c.readUntil(RawH2.HEADERS, 1);
            RawH2.Frame head = frames.get(frames.size() - 1);
            assertThat(head.type()).as("frames %s", frames).isEqualTo(RawH2.HEADERS);
            assertThat(head.headers().status().toString()).isEqualTo("408");
        }
    }

    @Test
    void anIdleConnectionIsClosedWithGoAway() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            List<RawH2.Frame> frames = c.readToEnd();
            assertThat(frames).as("frames %s", frames).anyMatch(f -> f.type() == RawH2.GOAWAY
                    && f.errorCode() == Http2Error.NO_ERROR.code());
        }
    }

    @Test
    void aStreamWhoseClientStopsReadingIsResetAfterTheWriteTimeout() throws Exception {
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.writer.writeWindowUpdate(c.ctx(), 0, 1 << 30, c.ctx().newPromise());
            c.flush();
            c.headers(1, RawH2.request("GET", "/big/file"), true);
            List<RawH2.Frame> frames = c.readUntil(RawH2.RST_STREAM, 1);
            RawH2.Frame last = frames.get(frames.size() - 1);
            assertThat(last.type()).isEqualTo(RawH2.RST_STREAM);
            assertThat(last.errorCode()).isEqualTo(Http2Error.CANCEL.code());
        }
    }
}
