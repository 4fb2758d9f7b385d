package dev.gateway.server.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.Needs;
import dev.gateway.core.testing.RealRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** {@code promtool check metrics} (Debian package 'prometheus') over a /metrics exposition. */
public final class Promtool {
    private Promtool() {}

    /**
     * Fails if promtool finds a problem in {@code exposition}; where promtool is not installed, skips (with the
     * reason), or fails on CI ({@link Needs}). {@code dir} holds the file promtool reads.
     */
    public static void assertClean(String exposition, Path dir) throws IOException, InterruptedException {
        String promtool = RealRedis.binary("promtool");
        Needs.require(promtool != null, () -> "promtool is not installed (Debian package 'prometheus'; .ci/run "
                + "installs it): no exposition lint");
        Path file = Files.createTempFile(dir, "metrics", ".txt");
        Files.writeString(file, exposition, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
