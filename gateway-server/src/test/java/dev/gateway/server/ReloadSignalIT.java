package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGHUP on the real jar reloads the configuration, like nginx, instead of ending the process (the JVM default). */
class ReloadSignalIT {

    @TempDir
    Path dir;

    private static String routes(TestUpstream u) {
        return "upstreams:\n  " + u.name() + ": { targets: [\"" + u.url() + "\"] }\n"
                + "routes:\n  - { id: svc, paths: [/svc/**], upstream: " + u.name() + " }\n";
    }

    private static String upstreamOf(int port) throws IOException {
        return RawHttp.exchange(port, "GET /svc/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .header("x-upstream");
    }

    @Test
    void sighupReloadsTheConfigurationAndTheProcessKeepsServing() throws Exception {
        try (TestUpstream blue = TestUpstream.echo("blue"); TestUpstream green = TestUpstream.echo("green")) {
            Files.writeString(dir.resolve("routes.yml"), routes(blue));
            try (GatewayProcess gateway = GatewayProcess.startYaml(dir, "",
                    "reload:\n  watch: false\ninclude: [routes.yml]\n")) {
                assertThat(upstreamOf(gateway.proxyPort())).isEqualTo("blue");
                Files.writeString(dir.resolve("routes.yml"), routes(green));

                Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(gateway.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(kill.exitValue()).isZero();

                Await.until(Duration.ofSeconds(10), "green to serve /svc",
                        () -> {
                            try {
                                return "green".equals(upstreamOf(gateway.proxyPort()));
                            } catch (IOException e) {
                                return false;
                            }
                        });
                assertThat(gateway.isAlive()).isTrue();
                assertThat(gateway.readyStatus()).isEqualTo(200);
                // The reload logs after the swap, so a request may see green before the line is written.
                Await.until(Duration.ofSeconds(10), "the reload's log line",
                        () -> gateway.output().contains("configuration reloaded (SIGHUP)"));
                assertThat(gateway.output()).doesNotContain("LEAK:");
            }
        }
    }
}
