package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawH2;
import dev.gateway.server.support.TestUpstream;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A drain sends each HTTP/2 connection a GOAWAY; the stream in flight still gets its whole response. */
class Http2DrainIT {
    final CompletableFuture<Void> release = new CompletableFuture<>();
    TestUpstream upstream;
    GatewayServer gateway;

    @AfterEach
    void stop() {
        release.complete(null);
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void drainSendsGoAwayAndTheStreamInFlightFinishes() throws Exception {
        upstream = TestUpstream.start("slow", (ctx, r, up) -> release.thenRun(
                () -> ctx.executor().execute(() -> up.sendText(ctx, r, 200, "{\"slow\":\"done\"}"))));
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                upstreams:
                  slow: {targets: ["%s"]}
                routes:
                  - {id: slow, paths: [/slow], upstream: slow}
                """.formatted(upstream.url())));
        try (RawH2 c = RawH2.connect(gateway.port(), 0)) {
            c.headers(1, RawH2.request("GET", "/slow"), true);
            Await.until(Duration.ofSeconds(10), "the upstream holds the request", () -> upstream.received().size() == 1);

            CompletableFuture<Boolean> drained = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.drain(Duration.ZERO, Duration.ofSeconds(20));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            List<RawH2.Frame> frames = c.readUntil(RawH2.GOAWAY, 0);
            RawH2.Frame goAway = frames.get(frames.size() - 1);
            assertThat(goAway.type()).as("frames %s", frames).isEqualTo(RawH2.GOAWAY);
            assertThat(goAway.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(drained).as("the drain waits for the stream").isNotDone();

            release.complete(null);
            List<RawH2.Frame> rest = new ArrayList<>(c.readToEnd());
            assertThat(rest).anyMatch(f -> f.type() == RawH2.HEADERS && f.stream() == 1
                    && "200".contentEquals(f.headers().status()));
            assertThat(rest).anyMatch(f -> f.type() == RawH2.DATA && f.stream() == 1
                    && f.text().contains("\"slow\":\"done\"") && (f.flags() & 1) != 0);
            assertThat(drained.get()).as("every request finished in time").isTrue();
        }
        gateway = null; // closed by the drain
    }
}
