package dev.gateway.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The runnable jar ({@code target/gateway-server.jar}, built by {@code package} before Failsafe runs) started as a
 * separate process: real signals, real exit codes, its own small heap. Output (stdout and stderr) goes to a file.
 *
 * <p>{@link #start} waits until {@code GET /health/ready} on the admin port answers 200; {@link #destroy()} sends
 * SIGTERM; {@link #close()} kills whatever is still running. The JVM runs with paranoid leak detection, so a test
 * should check {@link #output()} for {@code LEAK:} when it is done with the process.
 */
public final class GatewayProcess implements AutoCloseable {
    public static final Path JAR = Path.of("target", "gateway-server.jar").toAbsolutePath();
    /** The repository root (Failsafe runs in the module directory). */
    public static final Path REPO_ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final Process process;
    private final Path log;
    private final int proxyPort;
    private final int adminPort;

    private GatewayProcess(Process process, Path log, int proxyPort, int adminPort) {
        this.process = process;
        this.log = log;
        this.proxyPort = proxyPort;
        this.adminPort = adminPort;
    }

    /** {@code n} distinct 127.0.0.1 ports that were free a moment ago (all bound to 0 together, then closed). */
    public static int[] freePorts(int n) {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // nothing bound any more either way
                    }
                }
            }
        }
    }

    /**
     * Writes {@code dir/gateway.yml} with the proxy and admin listeners on fresh 127.0.0.1 ports, {@code serverExtra}
     * lines added under {@code server:} and {@code rest} (upstreams, routes) after it, then starts the gateway.
     */
    public static GatewayProcess startYaml(Path dir, String serverExtra, String rest) throws IOException {
        return startYaml(dir, serverExtra, rest, Launch.PLAIN);
    }

    /** As {@link #startYaml(Path, String, String)}, launched as {@code launch} says. */
    public static GatewayProcess startYaml(Path dir, String serverExtra, String rest, Launch launch)
            throws IOException {
        int[] ports = freePorts(2);
        int proxy = ports[0];
        int admin = ports[1];
        StringBuilder yaml = new StringBuilder("server:\n  listen: 127.0.0.1:" + proxy + "\n  io-threads: 2\n");
        if (!serverExtra.contains("drain-delay")) {
            yaml.append("  drain-delay: 0s\n"); // tests that don't test the delay don't wait for it on SIGTERM
        }
        for (String line : serverExtra.split("\n")) {
            if (!line.isBlank()) {
                yaml.append("  ").append(line).append('\n');
            }
        }
        yaml.append("admin:\n  listen: 127.0.0.1:").append(admin).append('\n').append(rest);
        Path config = dir.resolve("gateway.yml");
        Files.writeString(config, yaml);
        return start(dir, config, proxy, admin, launch);
    }

    /** Starts the gateway with {@code --config config} in {@code workDir} and waits until it is ready. */
    public static GatewayProcess start(Path workDir, Path config, int proxyPort, int adminPort) throws IOException {
        return start(workDir, config, proxyPort, adminPort, Launch.PLAIN);
    }

    /**
     * How the {@code java} command is started: a command in front of it ({@code nohup}, {@code env
     * --default-signal=HUP}) and variables added to its environment.
     */
    public record Launch(List<String> prefix, Map<String, String> env) {
        public static final Launch PLAIN = new Launch(List.of(), Map.of());

        public Launch {
            prefix = List.copyOf(prefix);
            env = Map.copyOf(env);
        }

        public Launch withEnv(Map<String, String> more) {
            Map<String, String> all = new HashMap<>(env);
            all.putAll(more);
            return new Launch(prefix, all);
        }

        public Launch wrappedIn(String... command) {
            List<String> all = new ArrayList<>(List.of(command));
            all.addAll(prefix);
            return new Launch(all, env);
        }
    }

    /** As {@link #start(Path, Path, int, int)}, launched as {@code launch} says. */
    public static GatewayProcess start(Path workDir, Path config, int proxyPort, int adminPort, Launch launch)
            throws IOException {
        Path log = Files.createTempFile(workDir, "gateway-", ".log");
        List<String> cmd = new ArrayList<>(launch.prefix());
        cmd.addAll(command(List.of("--config", config.toString())));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(launch.env());
        Process p = pb.start();
        GatewayProcess g = new GatewayProcess(p, log, proxyPort, adminPort);
        try {
            g.awaitReady();
        } catch (RuntimeException | Error e) {
            g.close();
            throw e;
        }
        return g;
    }

    /** Output and exit code of a command that ends by itself ({@code --check}). */
    public record Result(int exitCode, String stdout, String stderr) {
        public List<String> stderrLines() {
            return stderr.lines().toList();
        }
    }

    /** Runs the jar with {@code args} in {@code workDir} to completion (at most 60 s). */
    public static Result run(Path workDir, String... args) throws IOException, InterruptedException {
        return run(workDir, Map.of(), args);
    }

    /** As {@link #run(Path, String...)}, with {@code env} added to the process's environment. */
    public static Result run(Path workDir, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "run-", ".out");
        Path err = Files.createTempFile(workDir, "run-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command(List.of(args)))
                .directory(workDir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("gateway " + String.join(" ", args) + " did not exit within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:MaxDirectMemorySize=128m", "-Dio.netty.leakDetection.level=paranoid",
                "-jar", JAR.toString()));
        cmd.addAll(args);
        return cmd;
    }

    private void awaitReady() {
        boolean ready = Await.holdsWithin(START_TIMEOUT, () -> !process.isAlive() || readyStatus() == 200);
        if (!process.isAlive()) {
            throw new AssertionError("gateway exited with " + process.exitValue() + " before it was ready:\n"
                    + output());
        }
        if (!ready) {
            throw new AssertionError("gateway not ready within " + START_TIMEOUT + ":\n" + output());
        }
    }

    /** Status of {@code GET /health/ready}, or -1 when the admin port does not answer. */
    public int readyStatus() {
        return adminGet("/health/ready");
    }

    private int adminGet(String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public int proxyPort() {
        return proxyPort;
    }

    public int adminPort() {
        return adminPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGTERM (Process.destroy on Linux). */
    public void destroy() {
        process.destroy();
    }

    /** Waits for the process to exit; returns its exit code, or null if it is still running after {@code max}. */
    public Integer awaitExit(Duration max) throws InterruptedException {
        return process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** Everything the process printed so far (stdout and stderr interleaved). */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Kills the process if it is still running: SIGTERM, then SIGKILL after 10 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
