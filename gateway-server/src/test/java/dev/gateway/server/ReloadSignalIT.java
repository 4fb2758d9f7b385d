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

/**
 * SIGHUP on the real jar reloads the configuration, like nginx, instead of ending the process (the JVM default).
 *
 * <p>A JVM whose parent ignored SIGHUP (the suite run under {@code nohup}) cannot catch it, so the gateway is started
 * through {@code env --default-signal=HUP}, which restores the default first; and a gateway started with SIGHUP
 * ignored says so at start, which the test then reports as the cause.
 */
class ReloadSignalIT {
    /** The start-up WARN of a gateway that cannot catch a signal (SIGHUP here, maybe SIGTERM too). */
    private static final String IGNORED = " ignored (inherited from the parent process";

    private static java.util.List<String> hupIgnoredLines(GatewayProcess gateway) {
        return gateway.output().lines().filter(l -> l.contains(IGNORED) && l.contains("SIGHUP")).toList();
    }

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
                    "reload:\n  watch: false\ninclude: [routes.yml]\n", withSighupAtItsDefault())) {
                assertThat(hupIgnoredLines(gateway))
                        .as("the gateway cannot catch SIGHUP (the test's own process ignores it, and env "
                                + "--default-signal=HUP is not available to undo that)")
                        .isEmpty();
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

    @Test
    void aGatewayStartedUnderNohupSaysAtStartThatSighupWillNotReload() throws Exception {
        try (TestUpstream blue = TestUpstream.echo("blue")) {
            Files.writeString(dir.resolve("routes.yml"), routes(blue));
            try (GatewayProcess gateway = GatewayProcess.startYaml(dir, "",
                    "reload:\n  watch: false\ninclude: [routes.yml]\n",
                    GatewayProcess.Launch.PLAIN.wrappedIn("nohup"))) {
                Await.until(Duration.ofSeconds(10), "the start-up WARN", () -> !hupIgnoredLines(gateway).isEmpty());

                assertThat(hupIgnoredLines(gateway)).singleElement().asString().contains(" WARN ")
                        .contains("kill -HUP will not reload the configuration")
                        .contains("POST /admin/reload")
                        .contains("env --default-signal=HUP java -jar");
                assertThat(upstreamOf(gateway.proxyPort())).isEqualTo("blue");
            }
        }
    }

    /**
     * {@code env --default-signal=HUP} in front of {@code java} when this system's env has it (coreutils 8.31 or
     * later), so that the gateway can catch SIGHUP even when this test runs under nohup.
     */
    private static GatewayProcess.Launch withSighupAtItsDefault() throws IOException, InterruptedException {
        Process probe = new ProcessBuilder("env", "--default-signal=HUP", "true").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        boolean available = probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        return available ? GatewayProcess.Launch.PLAIN.wrappedIn("env", "--default-signal=HUP")
                : GatewayProcess.Launch.PLAIN;
    }
}
