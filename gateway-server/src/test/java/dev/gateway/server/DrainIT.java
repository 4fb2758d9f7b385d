package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real jar: readiness turns 503, the proxy listener keeps accepting for the drain delay (0 in these
 * tests unless a test sets it) and then closes, in-flight requests finish with {@code Connection: close}, and the
 * process exits 0 — also when it is idle, and also when the drain timeout cuts a request off.
 */
class DrainIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** Completing it lets the upstream answer the requests it holds (those to /slow). */
    private static volatile CompletableFuture<Void> release = new CompletableFuture<>();
    static TestUpstream upstream;

    @TempDir
    Path dir;
    GatewayProcess gateway;
    RawHttp client;

    @BeforeAll
    static void startUpstream() {
        upstream = TestUpstream.start("slow", (ctx, r, up) -> {
            if (r.uri().startsWith("/slow")) {
                // Held without blocking the upstream's event loop until the test releases it.
                release.thenRun(() -> ctx.executor().execute(() -> up.sendText(ctx, r, 200, "{\"slow\":\"done\"}")));
            } else {
                up.sendText(ctx, r, 200, "{\"fast\":\"done\"}");
            }
        });
    }

    @BeforeEach
    void reset() {
        release = new CompletableFuture<>();
        upstream.received().clear();
    }

    @AfterEach
    void stop() throws IOException {
        release.complete(null);
        if (client != null) {
            client.close();
        }
        if (gateway != null) {
            gateway.close();
            assertThat(gateway.output()).as("gateway output").doesNotContain("LEAK:");
        }
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    private void startGateway(String serverExtra) throws IOException {
        gateway = GatewayProcess.startYaml(dir, serverExtra, """
                upstreams:
                  slow:
                    targets: ["%s"]
                routes:
                  - id: all
                    paths: [/**]
                    upstream: slow
                """.formatted(upstream.url()));
    }

    /** Sends GET /slow on a keep-alive connection and returns once the upstream holds it. */
    private void sendSlowRequest() throws IOException {
        client = new RawHttp(gateway.proxyPort());
        client.send("GET /slow HTTP/1.1\r\nHost: gw.test\r\n\r\n");
        Await.until(WAIT, "the upstream holds the request", () -> upstream.received().size() == 1);
    }

    /** SIGTERM, then wait until readiness says the drain has begun. */
    private void sigtermAndAwaitDraining() {
        gateway.destroy();
        Await.until(WAIT, "/health/ready answers 503", () -> gateway.readyStatus() == 503);
    }

    @Test
    void readinessTurns503WhileDraining() throws Exception {
        startGateway("");
        sendSlowRequest();
        assertThat(gateway.readyStatus()).isEqualTo(200);

        gateway.destroy();

        assertThat(Await.holdsWithin(WAIT, () -> gateway.readyStatus() == 503)).as("ready turns 503").isTrue();
        assertThat(gateway.isAlive()).as("still draining the held request").isTrue();
    }

    @Test
    void proxyListenerRefusesNewConnectionsWhileDraining() throws Exception {
        startGateway("");
        sendSlowRequest();

        sigtermAndAwaitDraining();

        assertThat(Await.holdsWithin(WAIT, () -> connectionRefused(gateway.proxyPort())))
                .as("connecting to the proxy port is refused").isTrue();
        assertThat(gateway.isAlive()).as("still draining the held request").isTrue();
    }

    @Test
    void inFlightRequestCompletesWithConnectionCloseAfterSigterm() throws Exception {
        startGateway("");
        sendSlowRequest();
        sigtermAndAwaitDraining();

        release.complete(null);
        RawHttp.Response r = client.read();

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("{\"slow\":\"done\"}");
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(client.isClosedByPeer()).as("connection closed after the response").isTrue();
    }

    @Test
    void waitsForInFlightRequestThenExitsZero() throws Exception {
        startGateway("");
        sendSlowRequest();
        sigtermAndAwaitDraining();
        assertThat(gateway.awaitExit(Duration.ofMillis(500))).as("exit while a request is in flight").isNull();

        release.complete(null);
        assertThat(client.read().status()).isEqualTo(200);

        assertThat(gateway.awaitExit(WAIT)).as("exit code").isEqualTo(0);
    }

    @Test
    void duringTheDrainDelayReadinessIs503AndNewConnectionsAreStillServedWithConnectionClose() throws Exception {
        startGateway("drain-delay: 5s");
        client = new RawHttp(gateway.proxyPort());
        assertThat(client.send("GET /fast HTTP/1.1\r\nHost: gw.test\r\n\r\n").read().header("connection")).isNull();

        sigtermAndAwaitDraining();

        // The port still accepts (a load balancer that has not yet seen the 503 loses nothing) ...
        try (RawHttp late = new RawHttp(gateway.proxyPort())) {
            RawHttp.Response r = late.send("GET /fast HTTP/1.1\r\nHost: gw.test\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("connection")).isEqualTo("close");
            assertThat(late.isClosedByPeer()).isTrue();
        }
        // ... and a kept-alive connection's next response tells its client to go elsewhere.
        RawHttp.Response again = client.send("GET /fast HTTP/1.1\r\nHost: gw.test\r\n\r\n").read();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.header("connection")).isEqualTo("close");
        assertThat(gateway.isAlive()).isTrue();
        assertThat(connectionRefused(gateway.proxyPort())).as("refused before the delay passed").isFalse();

        // After the delay the listener closes and the idle process exits.
        assertThat(Await.holdsWithin(WAIT, () -> connectionRefused(gateway.proxyPort()))).isTrue();
        assertThat(gateway.awaitExit(WAIT)).as("exit code").isEqualTo(0);
        assertThat(gateway.output()).contains("still accepting for PT5S (drain-delay)");
    }

    @Test
    void idleGatewayExitsZeroPromptlyOnSigterm() throws Exception {
        startGateway(""); // drain-timeout 30s: "promptly" means without waiting for it

        gateway.destroy();

        assertThat(gateway.awaitExit(WAIT)).as("exit code").isEqualTo(0);
    }

    @Test
    void idleKeepAliveConnectionIsClosedAndDoesNotDelayExit() throws Exception {
        startGateway("");
        client = new RawHttp(gateway.proxyPort());
        RawHttp.Response r = client.send("GET /fast HTTP/1.1\r\nHost: gw.test\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("connection")).isNull(); // kept alive

        gateway.destroy();

        assertThat(gateway.awaitExit(WAIT)).as("exit code").isEqualTo(0);
        assertThat(client.isClosedByPeer()).isTrue();
    }

    @Test
    void exitsZeroWhenDrainTimeoutPassesWithRequestInFlight() throws Exception {
        startGateway("drain-timeout: 1s");
        sendSlowRequest(); // never released

        gateway.destroy();

        assertThat(gateway.awaitExit(WAIT)).as("exit code").isEqualTo(0);
        assertThat(gateway.output()).contains("stopped (drain timed out)");
        assertThat(client.isClosedByPeer()).as("cut-off request's connection closed").isTrue();
    }

    private static boolean connectionRefused(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
