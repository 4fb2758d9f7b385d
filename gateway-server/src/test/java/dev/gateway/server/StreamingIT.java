package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies far larger than the gateway's heap stream through it in both directions, and a client that stops
 * reading makes the gateway stop reading from the upstream instead of buffering.
 *
 * <p>The 1 GiB cases run against the real jar as a separate process with {@code -Xmx256m
 * -XX:MaxDirectMemorySize=128m}, so a gateway that buffered a body would fail with an OutOfMemoryError.
 */
class StreamingIT {
    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    @TempDir
    static Path dir;
    static TestUpstream upstream;
    static GatewayProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("big", (ctx, r, up) -> {
            switch (r.uri()) {
                case "/big/download-chunked" -> up.sendStream(ctx, GIB, true);
                case "/big/download-sized" -> up.sendStream(ctx, GIB, false);
                default -> up.sendText(ctx, r, 200,
                        "{\"bytes\":" + r.bodyBytes() + ",\"sha256\":\"" + r.bodySha256() + "\"}");
            }
        });
        gateway = GatewayProcess.startYaml(dir, "max-body-size: 2GB", """
                access-log:
                  enabled: true
                upstreams:
                  big:
                    targets: ["%s"]
                routes:
                  - id: big
                    paths: [/big/**]
                    upstream: big
                    timeout: 60s
                """.formatted(upstream.url()));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            gateway.destroy();
            Integer exit = gateway.awaitExit(Duration.ofSeconds(30));
            String output = gateway.output();
            assertThat(output).as("gateway output").doesNotContain("LEAK:").doesNotContain("OutOfMemoryError");
            assertThat(exit).as("exit code after SIGTERM; output:\n%s", output).isEqualTo(0);
        } finally {
            gateway.close();
            upstream.close();
        }
    }

    @Test
    void oneGibRequestBodyReachesUpstreamByteForByte() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[64 * 1024];
        new Random(42).nextBytes(block);
        long started = System.nanoTime();
        RawHttp.Response r;
        try (RawHttp c = new RawHttp(gateway.proxyPort())) {
            c.timeout(120_000);
            c.send("POST /big/upload HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + GIB + "\r\nConnection: close\r\n\r\n");
            OutputStream out = c.output();
            for (long i = 0; i < GIB / block.length; i++) {
                // Stamp the block number: a lost, repeated or reordered block changes the hash.
                for (int b = 0; b < 8; b++) {
                    block[b] = (byte) (i >>> (8 * b));
                }
                sha.update(block);
                out.write(block);
            }
            out.flush();
            r = c.read();
        }
        log("1 GiB upload", started);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo(
                "{\"bytes\":" + GIB + ",\"sha256\":\"" + HexFormat.of().formatHex(sha.digest()) + "\"}");
    }

    @Test
    void oneGibChunkedResponseBodyReachesClientWhole() throws Exception {
        RawHttp.Response head = download("/big/download-chunked");
        assertThat(head.header("transfer-encoding")).isEqualTo("chunked");
    }

    @Test
    void oneGibSizedResponseBodyReachesClientWhole() throws Exception {
        RawHttp.Response head = download("/big/download-sized");
        assertThat(head.header("content-length")).isEqualTo(Long.toString(GIB));
    }

    /** Downloads 1 GiB, checking the count, the pattern at sampled offsets and that the gateway survived. */
    private static RawHttp.Response download(String path) throws Exception {
        long started = System.nanoTime();
        long[] mismatchAt = {-1};
        long received;
        RawHttp.Response head;
        try (RawHttp c = new RawHttp(gateway.proxyPort())) {
            c.timeout(120_000);
            c.send("GET " + path + " HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n");
            head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            received = c.readBody(head, (buf, off, len, at) -> {
                // Every 4093rd byte (a prime, so the samples walk across the 16 KiB pattern pieces) and the last.
                long first = (at + 4092) / 4093 * 4093;
                for (long p = first; p < at + len; p += 4093) {
                    check(buf[off + (int) (p - at)], p, mismatchAt);
                }
                check(buf[off + len - 1], at + len - 1, mismatchAt);
            });
        }
        log("1 GiB download " + path, started);
        assertThat(received).isEqualTo(GIB);
        assertThat(mismatchAt[0]).as("first offset where the body differs from the a..z pattern").isEqualTo(-1);
        assertThat(gateway.isAlive()).as("gateway process alive").isTrue();
        return head;
    }

    private static void check(byte actual, long offset, long[] mismatchAt) {
        if (actual != TestUpstream.streamByteAt(offset) && mismatchAt[0] < 0) {
            mismatchAt[0] = offset;
        }
    }

    @Test
    void slowClientMakesGatewayStopReadingUpstreamUntilItReadsAgain() throws Exception {
        try (TestUpstream endless = endlessUpstream(); GatewayServer gw = gatewayTo(endless, "");
                RawHttp c = new RawHttp(gw.port())) {
            c.send("GET /endless HTTP/1.1\r\nHost: gw.test\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(200);

            long plateau = awaitPlateau(endless);
            System.out.printf("slow reader: upstream wrote %.1f MiB before stopping%n", plateau / (double) MIB);
            assertThat(plateau).as("bytes the upstream could write to a client that stopped reading")
                    .isLessThan(32 * MIB);

            // Read 1 MiB at a time until the upstream writes again. One MiB is not always enough: the kernel
            // reports the gateway's socket writable only once its send queue (autotuned up to 4 MiB here) is down
            // to 2/3 of the buffer. Reading everything buffered (the plateau) must resume it: the loop is bounded by
            // that, and a gateway that never resumed would make a read time out instead.
            long read = 0;
            boolean resumed = false;
            while (!resumed && read < plateau) {
                c.input().skipNBytes(MIB);
                read += MIB;
                resumed = Await.holdsWithin(Duration.ofSeconds(1), () -> endless.bytesWritten() > plateau);
            }
            System.out.printf("slow reader: upstream resumed after the client read %d MiB%n", read / MIB);
            assertThat(resumed).as("upstream writes again once the client reads (read %d bytes, plateau %d)", read,
                    plateau).isTrue();
        }
    }

    @Test
    void clientThatStopsReadingIsCutOffAfterTheWriteTimeoutWithItsUpstreamConnection() throws Exception {
        try (TestUpstream endless = endlessUpstream();
                GatewayServer gw = gatewayTo(endless, "write-timeout: 1s\nidle-timeout: 60s");
                RawHttp c = new RawHttp(gw.port())) {
            c.send("GET /endless HTTP/1.1\r\nHost: gw.test\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(200);
            long started = System.nanoTime();

            // The client reads nothing more. The upstream connection goes once the write timeout passes, long
            // before the 60 s idle and response timeouts.
            Await.until(Duration.ofSeconds(15), "the upstream connection to close", () -> endless.openConnections() == 0);
            log("closing a client that stopped reading", started);
            long written = endless.bytesWritten();
            // What is left in the socket buffers arrives, then the end of the stream: the client was cut off.
            c.timeout(10_000);
            long got = c.input().transferTo(OutputStream.nullOutputStream());
            assertThat(got).isLessThan(written);
            assertThat(c.isClosedByPeer()).isTrue();
        }
    }

    /** An upstream that answers every request with an 8 GiB chunked body, written as fast as it is taken. */
    private static TestUpstream endlessUpstream() {
        return TestUpstream.start("endless", (ctx, r, up) -> up.sendStream(ctx, 8 * GIB, true));
    }

    /** An in-process gateway with {@code serverExtra} settings routing /endless to {@code endless}. */
    private static GatewayServer gatewayTo(TestUpstream endless, String serverExtra) throws Exception {
        return Gateways.start(Gateways.yaml(serverExtra, """
                upstreams:
                  endless:
                    targets: ["${ENDLESS}"]
                routes:
                  - id: endless
                    paths: [/endless]
                    upstream: endless
                    timeout: 60s
                """), Map.of("ENDLESS", endless.url()));
    }

    /** Waits until two readings of the upstream's byte count 200 ms apart are equal; returns that count. */
    private static long awaitPlateau(TestUpstream up) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long previous = -1;
        while (true) {
            long now = up.bytesWritten();
            if (now == previous && now > 0) {
                return now;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("upstream never stopped writing: " + now + " bytes after 10 s");
            }
            previous = now;
            Await.pause(TimeUnit.MILLISECONDS.toNanos(200));
        }
    }

    private static void log(String what, long startedNanos) {
        System.out.printf("%s took %d ms%n", what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }
}
