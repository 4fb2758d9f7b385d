package dev.gateway.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every test source of every module skips only through {@link Needs} (which fails instead on CI): no JUnit
 * assumption, {@code @Disabled} or conditional-execution annotation anywhere else, so no test that needs Redis,
 * Chromium or promtool can pass on CI without having run.
 */
class NoSkipOutsideNeedsTest {
    /** What skips a JUnit test ({@code @Disabled} also covers {@code @DisabledIf...} and {@code @DisabledOn...}). */
    private static final List<String> SKIPS = List.of("Assumptions", "assumeTrue", "assumeFalse", "assumingThat",
            "TestAbortedException", "@Disabled", "@EnabledIf", "@EnabledOn", "@EnabledFor", "@DisabledFor");
    /** Needs may skip; this test and Needs's own test name the skips. */
    private static final List<String> ALLOWED = List.of("Needs.java", "NeedsTest.java",
            "NoSkipOutsideNeedsTest.java");

    @Test
    void noTestSourceSkipsExceptThroughNeeds() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent(); // Surefire runs in the module directory
        assertThat(root.resolve("gateway-core/pom.xml")).as("the repository root").exists();
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/test/java"))).toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/test/java"))) {
                    files.filter(f -> f.toString().endsWith(".java")).forEach(sources::add);
                }
            }
        }
        assertThat(sources).as("test sources found").hasSizeGreaterThan(50);
        List<String> found = new ArrayList<>();
        for (Path f : sources) {
            String name = f.getFileName().toString();
            if (ALLOWED.contains(name)) {
                continue;
            }
            List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                for (String skip : SKIPS) {
                    if (lines.get(i).contains(skip)) {
                        found.add(root.relativize(f) + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertThat(found).as("skips outside Needs (use Needs.require: it fails on CI)").isEmpty();
    }
}
