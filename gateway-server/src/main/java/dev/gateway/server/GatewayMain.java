package dev.gateway.server;

import ch.qos.logback.classic.LoggerContext;
import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.runtime.Snapshot;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Entry point. {@code java -jar gateway-server.jar [--config FILE] [--check]}, or
 * {@code java -jar gateway-server.jar apps import FILE [--redis URI] [--key-prefix gw:]} ({@link AppsImport}), or
 * {@code java -jar gateway-server.jar sign --app KEY --secret SECRET METHOD TARGET} ({@link SignCommand}).
 *
 * <p>{@code --check} validates the whole configuration (including host resolution), prints every error and exits
 * 1, or prints a summary and exits 0. Without it the gateway starts; SIGTERM drains it after the drain delay and
 * SIGINT at once, both exit 0; SIGHUP reloads the configuration.
 */
public final class GatewayMain {
    static {
        // Netty's leak detector samples buffers and records access points (a per-message cost on the hot path).
        // Off in production unless asked for with -Dio.netty.leakDetection.level=...; the test suite runs PARANOID.
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
    }

    private static final Logger logger = LoggerFactory.getLogger(GatewayMain.class);
    static final String DEFAULT_CONFIG = "conf/gateway.yml";

    private GatewayMain() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code >= 0) {
            stopLogging();
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code, or -1 when the server is running and exits on its own. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("apps")) {
            return AppsImport.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err, System::getenv);
        }
        if (args.length > 0 && args[0].equals("sign")) {
            return SignCommand.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err, System::getenv,
                    java.time.Clock.systemUTC());
        }
        Path config = Path.of(DEFAULT_CONFIG);
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("--config needs a file name");
                        return 2;
                    }
                    config = Path.of(args[++i]);
                }
                case "--check", "-t" -> check = true;
                case "--help", "-h" -> {
                    out.println("usage: gateway-server [--config FILE] [--check]");
                    out.println("  --config FILE  configuration file (default " + DEFAULT_CONFIG + ")");
                    out.println("  --check        validate the configuration, print errors or a summary, and exit");
                    out.println("or:    gateway-server apps import FILE [--redis URI] [--key-prefix PREFIX]");
                    out.println("  load the apps of FILE into Redis (idempotent; see apps import --help)");
                    out.println("or:    gateway-server sign --app KEY --secret SECRET METHOD TARGET");
                    out.println("  print the headers that sign a request for hmac-auth (see sign --help)");
                    return 0;
                }
                default -> {
                    err.println("unknown argument: " + args[i] + " (see --help)");
                    return 2;
                }
            }
        }
        if (check) {
            return check(config, out, err);
        }
        GatewayServer server = new GatewayServer(config, System::getenv);
        try {
            server.start();
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(config + ": " + e.errors().size() + " error(s), configuration rejected");
            return 1;
        } catch (GatewayServer.StartException e) {
            logger.error("{}", e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        installSignalHandlers(server);
        try {
            server.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /**
     * Like {@code nginx -t}: loads and compiles the whole configuration (host names resolved, filters built) with
     * the same code a start uses, prints every error or a summary, binds nothing.
     */
    private static int check(Path config, PrintStream out, PrintStream err) {
        Snapshot snapshot;
        try {
            snapshot = GatewayServer.check(config, System::getenv);
        } catch (ConfigException e) {
            for (ConfigError error : e.errors()) {
                err.println(error);
            }
            err.println(config + ": " + e.errors().size() + " error(s), configuration rejected");
            return 1;
        }
        GatewayConfig cfg = snapshot.config();
        int targets = snapshot.upstreams().values().stream().mapToInt(u -> u.targets().size()).sum();
        out.println(config + ": configuration OK: " + snapshot.routes().routes().size() + " routes, "
                + snapshot.upstreams().size() + " upstreams, " + targets + " targets; proxy "
                + cfg.server().listen() + (cfg.admin().enabled() ? ", admin " + cfg.admin().listen() : "")
                + (cfg.demoEcho().enabled() ? ", demo echo " + cfg.demoEcho().listen() : "")
                + "; version " + snapshot.version());
        return 0;
    }

    private static void installSignalHandlers(GatewayServer server) {
        AtomicBoolean once = new AtomicBoolean();
        SignalHandler drain = sig -> {
            if (!once.compareAndSet(false, true)) {
                return;
            }
            ServerConfig settings = server.config().get().config().server();
            Duration timeout = settings.drainTimeout();
            // Load balancers and orchestrators send SIGTERM; Ctrl-C at a terminal (SIGINT) need not wait for them.
            Duration delay = sig.getName().equals("TERM") ? settings.drainDelay() : Duration.ZERO;
            logger.info("received SIG{}, draining for up to {} after a drain delay of {}", sig.getName(), timeout,
                    delay);
            boolean clean;
            try {
                clean = server.drain(delay, timeout);
            } catch (InterruptedException e) {
                clean = false;
            }
            logger.info("stopped{}", clean ? "" : " (drain timed out)");
            stopLogging();
            Runtime.getRuntime().halt(0);
        };
        List<String> ignored = new ArrayList<>();
        for (String name : new String[] {"TERM", "INT"}) {
            if (Signal.handle(new Signal(name), drain) == SignalHandler.SIG_IGN) {
                ignored.add("SIG" + name);
            }
        }
        // Like nginx: SIGHUP reloads the configuration (the JVM's default would end the process).
        SignalHandler previous = Signal.handle(new Signal("HUP"), sig -> {
            logger.info("received SIGHUP, reloading the configuration");
            server.reloader().reload("SIGHUP");
        });
        if (previous == SignalHandler.SIG_IGN) {
            ignored.add(0, "SIGHUP");
        }
        String warning = ignoredSignalsWarning(ignored);
        if (warning != null) {
            logger.warn("{}", warning);
        }
        if (ignored.contains("SIGINT")) {
            logger.debug("SIGINT is ignored (inherited from the parent process, as by a background job)");
        }
    }

    /**
     * The one start-up line for signals the process inherited as ignored, or null when none matters. HotSpot does not
     * install a handler for SIGHUP, SIGINT or SIGTERM when it finds it ignored at start (nohup ignores SIGHUP; a
     * background job of a script ignores SIGINT), and Java 17 has no supported way to reset the disposition
     * (nginx calls sigaction itself). {@code Signal.handle} then returns {@code SIG_IGN}, which is how this is seen.
     * An ignored SIGINT alone is the normal state of a background job and is not worth a WARN.
     */
    static String ignoredSignalsWarning(List<String> ignored) {
        boolean hup = ignored.contains("SIGHUP");
        boolean term = ignored.contains("SIGTERM");
        if (!hup && !term) {
            return null;
        }
        String effect = hup && term
                ? "kill -HUP will not reload the configuration and kill -TERM will neither drain nor stop it"
                : hup ? "kill -HUP will not reload the configuration" : "kill -TERM will neither drain nor stop it";
        String restart = "start it with 'env --default-signal=" + (hup && term ? "HUP,TERM" : hup ? "HUP" : "TERM")
                + " java -jar ...' (coreutils 8.31 or later) to get " + (hup && term ? "them" : "it") + " back";
        return (hup && term ? "SIGHUP and SIGTERM are" : hup ? "SIGHUP is" : "SIGTERM is")
                + " ignored (inherited from the parent process; nohup ignores SIGHUP) and the JVM cannot catch an "
                + "ignored signal: " + effect + "; "
                + (hup ? "reload with POST /admin/reload or the file watcher (reload.watch), or " : "") + restart;
    }

    /** Flushes the async access-log appender. */
    private static void stopLogging() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
            lc.stop();
        }
    }
}
