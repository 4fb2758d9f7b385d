package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gateway.core.testing.Needs;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.HeadlessChromium;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strict CORS as a real browser sees it: headless Chromium loads a page from a local origin that calls the gateway
 * (the built jar) with {@code fetch()}. The gateway allows {@code http://127.0.0.1:<page port>} with credentials;
 * the same page loaded as {@code http://localhost:<page port>} is another origin, which it refuses.
 *
 * <p>Skipped, saying why, only where Chromium is missing or cannot start, and then only off CI ({@link Needs}); any
 * other failure of the browser fails.
 */
class CorsBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String COOKIE = "session=from-page-origin";

    @TempDir
    static Path dir;
    static HeadlessChromium chromium;
    static HttpServer pages;
    static TestUpstream upstream;
    static GatewayProcess gateway;
    /** Why Chromium cannot run here (every test is then skipped, or fails on CI, saying so), or null. */
    static String unavailable;
    /** What the page wrote per scenario ("status=200 body=..." or "error=TypeError"), from both origins. */
    static final Map<String, String> results = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        chromium = new HeadlessChromium(dir);
        if (!chromium.isInstalled()) {
            unavailable = chromium.unavailableReason();
            return;
        }

        pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pages.createContext("/page.html", exchange -> {
            byte[] page;
            try (InputStream in = CorsBrowserIT.class.getResourceAsStream("/cors/page.html")) {
                page = in.readAllBytes();
            }
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            // A cookie for 127.0.0.1 (any port): sent to the gateway only by a fetch with credentials.
            exchange.getResponseHeaders().set("Set-Cookie", COOKIE + "; Path=/; SameSite=Lax");
            exchange.sendResponseHeaders(200, page.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(page);
            }
        });
        pages.start();
        upstream = TestUpstream.echo("u");
        gateway = GatewayProcess.startYaml(dir, "", """
                access-log:
                  enabled: true
                upstreams:
                  u: { targets: ["%s"] }
                routes:
                  - id: api
                    paths: [/api/**]
                    upstream: u
                    filters:
                      cors:
                        allow-origins: ["http://127.0.0.1:%d"]
                        allow-methods: [GET, POST, PUT]
                        allow-headers: [x-custom, content-type]
                        allow-credentials: true
                """.formatted(upstream.url(), pagePort()));
        try {
            // Two page loads, one per origin (a browser start costs about a second).
            results.putAll(run("127.0.0.1", "credentialed-get", "preflighted-put"));
            results.putAll(run("localhost", "simple-post", "put"));
        } catch (IOException | AssertionError e) {
            unavailable = chromium.unavailableReason();
            if (unavailable == null) {
                throw e; // Chromium works here: the failure is real
            }
        }
    }

    /**
     * Skips each test (fails it on CI), with the reason, where Chromium cannot start; a class-level abort would
     * report no test.
     */
    @BeforeEach
    void needsChromium() {
        Needs.require(unavailable == null, () -> "Chromium cannot run here: " + unavailable);
    }

    @AfterAll
    static void stop() {
        if (pages != null) {
            pages.stop(0);
        }
        if (upstream != null) {
            upstream.close();
        }
        if (gateway != null) {
            gateway.close();
            assertThat(gateway.output()).as("gateway output").doesNotContain("LEAK:");
        }
    }

    static int pagePort() {
        return pages.getAddress().getPort();
    }

    /** Loads the page from {@code pageHost} (the origin), runs {@code scenarios} in order, returns what it wrote. */
    static Map<String, String> run(String pageHost, String... scenarios) throws IOException, InterruptedException {
        String url = "http://" + pageHost + ":" + pagePort() + "/page.html?s=" + String.join(",", scenarios)
                + "&gw=http://127.0.0.1:" + gateway.proxyPort();
        String dom = chromium.dumpDom(url);
        String text = HeadlessChromium.textOf(dom, "result");
        assertThat(text).as("the page's result (dumped DOM:\n%s)", dom).endsWith("\ndone");
        Map<String, String> out = new HashMap<>();
        text.lines().filter(l -> !l.equals("done")).forEach(l -> {
            int space = l.indexOf(' ');
            out.put(l.substring(0, space), l.substring(space + 1));
        });
        assertThat(out).as("results of " + url).containsOnlyKeys(scenarios);
        return out;
    }

    /** Waits for the gateway's access-log line for {@code method path} and returns it. */
    static String accessLine(String method, String path) {
        Pattern line = Pattern.compile("method=" + method + " path=" + Pattern.quote(path) + " .*");
        return Await.value(WAIT, "the access-log line of " + method + " " + path,
                () -> gateway.output().lines().filter(l -> line.matcher(l).find()).findFirst().orElse(null));
    }

    static long upstreamSaw(String path) {
        return upstream.received().stream().filter(r -> r.uri().equals(path)).count();
    }

    @Test
    void allowedOriginReadsTheUpstreamsAnswerToACredentialedCallWithACustomHeader() throws Exception {
        String result = results.get("credentialed-get");

        assertThat(result).isEqualTo("status=200 body={\"upstream\":\"u\",\"uri\":\"/api/credentialed\","
                + "\"body_bytes\":0}");
        TestUpstream.Received seen = upstream.received().stream()
                .filter(r -> r.uri().equals("/api/credentialed")).findFirst().orElseThrow();
        assertThat(seen.headers().get("origin")).isEqualTo("http://127.0.0.1:" + pagePort());
        assertThat(seen.headers().get("x-custom")).isEqualTo("from-browser");
        assertThat(seen.headers().get("cookie")).as("credentials were sent").isEqualTo(COOKIE);
        assertThat(accessLine("OPTIONS", "/api/credentialed")).contains(" status=204 ");
    }

    @Test
    void allowedOriginsPreflightedPutSucceeds() throws Exception {
        String result = results.get("preflighted-put");

        assertThat(result).isEqualTo("status=200 body={\"upstream\":\"u\",\"uri\":\"/api/put\",\"body_bytes\":7}");
        assertThat(accessLine("OPTIONS", "/api/put")).contains(" status=204 ");
        assertThat(upstream.received().stream().filter(r -> r.uri().equals("/api/put")).map(r -> r.method()))
                .as("the preflight is answered by the gateway, the PUT forwarded").containsExactly("PUT");
    }

    @Test
    void disallowedOriginsSimplePostFailsInTheBrowserAndNeverReachesTheUpstream() throws Exception {
        String result = results.get("simple-post");

        assertThat(result).isEqualTo("error=TypeError");
        assertThat(accessLine("POST", "/api/denied-post")).as("the browser sent it; the gateway refused it")
                .contains(" status=403 ");
        assertThat(upstreamSaw("/api/denied-post")).isZero();
    }

    @Test
    void disallowedOriginsPreflightedPutFailsInTheBrowserAndNeverReachesTheUpstream() throws Exception {
        String result = results.get("put");

        assertThat(result).isEqualTo("error=TypeError");
        assertThat(accessLine("OPTIONS", "/api/denied-put")).contains(" status=403 ");
        assertThat(upstreamSaw("/api/denied-put")).isZero();
        assertThat(gateway.output()).as("the browser never sends the PUT after a refused preflight")
                .doesNotContain("method=PUT path=/api/denied-put ");
    }
}
