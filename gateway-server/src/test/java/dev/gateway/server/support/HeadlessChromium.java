package dev.gateway.server.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium for browser tests: {@link #dumpDom} loads a page in a fresh profile, lets its scripts and
 * their fetches finish ({@code --virtual-time-budget} counts only idle time: virtual time stands still while a
 * request is in flight) and returns the DOM as serialised HTML. Each run is bounded by a timeout and the browser's
 * process tree is killed when it is over, however it ended.
 *
 * <p>The binary is {@code -Dchromium.binary=...}, else the first of {@link #NAMES} on the PATH (Debian's package
 * is {@code chromium}; Ubuntu CI runners have {@code chromium-browser} or Chrome). {@link #unavailableReason} says
 * why Chromium cannot be used here (missing, or it fails to render a trivial page), so a test can skip with that
 * reason instead of passing without a browser.
 */
public final class HeadlessChromium {
    private static final long TIMEOUT_SECONDS = 30;
    private static final String PROBE = "chromium-probe-ok";
    /** The names a Chromium binary goes by, in the order they are looked for on the PATH. */
    static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable");

    private final Path binary;
    private final Path workDir;

    /** @param workDir where profiles and output files go (a test's temporary directory) */
    public HeadlessChromium(Path workDir) {
        String configured = System.getProperty("chromium.binary");
        this.binary = configured != null ? Path.of(configured) : onPath();
        this.workDir = workDir;
    }

    /** The first of {@link #NAMES} on the PATH, else {@code /usr/bin/chromium} (which then says what is missing). */
    private static Path onPath() {
        for (String name : NAMES) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (!dir.isEmpty() && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return Path.of("/usr/bin/chromium");
    }

    /** Whether the binary is there (cheap; whether it starts is {@link #unavailableReason}). */
    public boolean isInstalled() {
        return Files.isExecutable(binary);
    }

    /**
     * Null when Chromium starts and renders a trivial page here; otherwise why not. A test that fails to drive the
     * browser asks this to tell "Chromium cannot run here" (skip) from a real failure (fail).
     */
    public String unavailableReason() {
        if (!Files.isExecutable(binary)) {
            return "no Chromium on the PATH as " + NAMES + " (Debian package chromium; .ci/run installs it) and no "
                    + "-Dchromium.binary";
        }
        try {
            String dom = dumpDom("data:text/html,<p>" + PROBE + "</p>");
            return dom.contains(PROBE) ? null : "Chromium at " + binary + " did not render a trivial page: " + dom;
        } catch (IOException | AssertionError e) {
            return "Chromium at " + binary + " fails to start: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while starting Chromium";
        }
    }

    /** Loads {@code url} and returns the DOM once the page is idle; AssertionError if Chromium fails or hangs. */
    public String dumpDom(String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(workDir, "chromium-profile-");
        Path out = Files.createTempFile(workDir, "chromium-", ".out");
        Path err = Files.createTempFile(workDir, "chromium-", ".err");
        List<String> cmd = new ArrayList<>(List.of(binary.toString(),
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--no-proxy-server", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile,
                "--virtual-time-budget=10000", "--dump-dom", url));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("Chromium did not finish " + url + " within " + TIMEOUT_SECONDS + " s;"
                        + " stderr:\n" + tail(err));
            }
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0 || dom.isBlank()) {
                throw new AssertionError("Chromium exited with " + p.exitValue() + " for " + url + "; stderr:\n"
                        + tail(err));
            }
            return dom;
        } finally {
            kill(p);
        }
    }

    /** Kills the browser and every process it started (their handles are taken before the parent goes). */
    private static void kill(Process p) throws InterruptedException {
        List<ProcessHandle> tree = p.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        for (ProcessHandle h : tree) {
            h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> h).join();
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** The text of the element with {@code id} in dumped HTML (entities &amp;, &lt;, &gt;, &quot; decoded), or null. */
    public static String textOf(String dom, String id) {
        String open = "id=\"" + id + "\">";
        int start = dom.indexOf(open);
        if (start < 0) {
            return null;
        }
        start += open.length();
        int end = dom.indexOf("</", start);
        if (end < 0) {
            return null;
        }
        return dom.substring(start, end).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&amp;", "&");
    }
}
