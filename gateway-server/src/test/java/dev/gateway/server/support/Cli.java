package dev.gateway.server.support;

import dev.gateway.core.testing.Needs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command-line client (curl, nghttp, h2load) to its end, bounded in time, and keeps what it printed. */
public final class Cli {
    private Cli() {}

    public record Result(int exit, String out, String err) {}

    /** Requires {@code binary} on the PATH (see {@link Needs}). */
    public static void need(String binary) {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, binary))) {
                found = true;
                break;
            }
        }
        boolean met = found;
        Needs.require(met, () -> binary + " is not installed (Debian: curl, nghttp2-client)");
    }

    /** Runs {@code command}; a run past {@code max} is killed and fails the test. */
    public static Result run(Duration max, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("cli", ".out");
        Path err = Files.createTempFile("cli", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + max + ": "
                        + Files.readString(err, StandardCharsets.ISO_8859_1));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                    Files.readString(err, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
