package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.GatewayProcess;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the real jar does at start around its listeners: a busy port is one line naming the listener, the address and
 * the fix, with exit code 1; the pid file is written once the listeners are bound and removed at a clean exit.
 */
class StartupIT {

    @TempDir
    Path dir;

    /** A gateway.yml with the proxy, admin and demo echo listeners on the given 127.0.0.1 ports. */
    private Path config(int proxy, int admin, int echo, String serverExtra) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, "server:\n  listen: 127.0.0.1:" + proxy + "\n  io-threads: 1\n  drain-delay: 0s\n"
                + serverExtra
                + "admin:\n  listen: 127.0.0.1:" + admin + "\n"
                + "demo-echo:\n  enabled: true\n  listen: 127.0.0.1:" + echo + "\n"
                + "upstreams:\n  demo: { targets: [\"http://127.0.0.1:" + echo + "\"] }\n"
                + "routes:\n  - { id: echo, paths: [/echo/**], upstream: demo }\n");
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxy", "admin", "demo echo"})
    void aBusyPortIsOneLineNamingTheListenerTheAddressAndTheFixWithExitCodeOne(String listener) throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int[] free = GatewayProcess.freePorts(3);
            int taken = busy.getLocalPort();
            config(listener.equals("proxy") ? taken : free[0], listener.equals("admin") ? taken : free[1],
                    listener.equals("demo echo") ? taken : free[2], "");
            String key = switch (listener) {
                case "proxy" -> "server.listen";
                case "admin" -> "admin.listen";
                default -> "demo-echo.listen";
            };

            GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "gateway.yml");

            assertThat(r.exitCode()).isEqualTo(1);
            List<String> errors = r.stderrLines().stream().filter(l -> l.contains(" ERROR ")).toList();
            assertThat(errors).singleElement().asString()
                    .endsWith("cannot start: the " + listener + " listener cannot bind 127.0.0.1:" + taken
                            + ": Address already in use; another process listens there (find it with: ss -ltnp "
                            + "'sport = :" + taken + "'); stop it or set " + key + " to a free port");
            assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    @Test
    void thePidFileNamesTheProcessWhileItRunsAndIsGoneAfterACleanExit() throws Exception {
        int[] ports = GatewayProcess.freePorts(3);
        Path config = config(ports[0], ports[1], ports[2], "  pid-file: run/gateway.pid\n");
        Path pidFile = dir.resolve("run/gateway.pid");

        try (GatewayProcess gateway = GatewayProcess.start(dir, config, ports[0], ports[1])) {
            assertThat(Files.readString(pidFile, StandardCharsets.US_ASCII)).isEqualTo(gateway.pid() + "\n");

            gateway.destroy();

            assertThat(gateway.awaitExit(Duration.ofSeconds(20))).as("exit code").isEqualTo(0);
            assertThat(pidFile).doesNotExist();
            assertThat(gateway.output()).doesNotContain("LEAK:");
        }
    }

    @Test
    void aStalePidFileOfADeadProcessIsOverwrittenWithoutAWarning() throws Exception {
        Process dead = new ProcessBuilder("true").start();
        assertThat(dead.waitFor(10, TimeUnit.SECONDS)).isTrue();
        int[] ports = GatewayProcess.freePorts(3);
        Path config = config(ports[0], ports[1], ports[2], "  pid-file: gateway.pid\n");
        Files.writeString(dir.resolve("gateway.pid"), dead.pid() + "\n");

        try (GatewayProcess gateway = GatewayProcess.start(dir, config, ports[0], ports[1])) {
            assertThat(Files.readString(dir.resolve("gateway.pid")).trim()).isEqualTo(Long.toString(gateway.pid()));
            assertThat(gateway.output()).doesNotContain("still running");
        }
    }

    @Test
    void aPidFileOfALiveProcessIsTakenOverWithAWarningNamingIt() throws Exception {
        long live = ProcessHandle.current().pid(); // this test's JVM: certainly alive
        int[] ports = GatewayProcess.freePorts(3);
        Path config = config(ports[0], ports[1], ports[2], "  pid-file: gateway.pid\n");
        Files.writeString(dir.resolve("gateway.pid"), live + "\n");

        try (GatewayProcess gateway = GatewayProcess.start(dir, config, ports[0], ports[1])) {
            assertThat(Files.readString(dir.resolve("gateway.pid")).trim()).isEqualTo(Long.toString(gateway.pid()));
            assertThat(gateway.output().lines().filter(l -> l.contains("pid file")).toList()).singleElement()
                    .asString().contains(" WARN ").contains("named process " + live
                            + ", which is still running; it now names this process (" + gateway.pid() + ")");
        }
    }
}
