package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.server.reload.ConfigReloader;
import dev.gateway.server.reload.ReloadResult;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.KeepAliveLoad;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Live reload against real upstreams: under continuous keep-alive load, with broken files, through the admin
 * endpoint and its token, through the file watcher, and what survives a reload (pools) or doesn't (removed targets).
 */
class ReloadIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "reload-test-token-0123456789";

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private TestUpstream upstream(String name) {
        TestUpstream u = TestUpstream.echo(name);
        closing.add(u);
        return u;
    }

    /** gateway.yml including routes.yml; {@code reload} is the reload section's body. */
    private Path writeMain(String reload, boolean token) throws IOException {
        Path main = dir.resolve("gateway.yml");
        Files.writeString(main, "server:\n  listen: 127.0.0.1:0\n  io-threads: 2\n"
                + "admin:\n  listen: 127.0.0.1:0\n" + (token ? "  token: ${ADMIN_TOKEN}\n" : "")
                + "access-log:\n  enabled: false\n"
                + "reload:\n" + reload
                + "include: [routes.yml]\n");
        return main;
    }

    /** routes.yml: route {@code svc} (/svc/**) to upstream {@code name} at {@code url}, plus {@code extra}. */
    private static String routes(String name, String url, String extra) {
        return "upstreams:\n  " + name + ": { targets: [\"" + url + "\"] }\n"
                + "routes:\n  - { id: svc, paths: [/svc/**], upstream: " + name + " }\n" + extra;
    }

    private void writeRoutes(String content) throws IOException {
        Path tmp = dir.resolve("routes.yml.tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, dir.resolve("routes.yml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private GatewayServer start(String routes, String reload, boolean token) throws Exception {
        writeRoutes(routes);
        gateway = Gateways.start(writeMain(reload, token), Map.of("ADMIN_TOKEN", TOKEN));
        return gateway;
    }

    private RawHttp.Response admin(String method, String path, String authorization) throws IOException {
        return RawHttp.exchange(gateway.adminPort(), method + " " + path + " HTTP/1.1\r\nHost: admin\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: 0\r\nConnection: close\r\n\r\n");
    }

    private RawHttp.Response get(String path) throws IOException {
        return RawHttp.exchange(gateway.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    private double reloads(String result) {
        var counter = gateway.metrics().registry().find("gateway.config.reloads").tag("result", result).counter();
        return counter == null ? 0 : counter.count();
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** When each configuration may have been in force: from its reload's start to the next reload's end. */
    private record Era(String upstream, long fromNanos, long untilNanos) {}

    @Test
    void fiftyReloadsUnderKeepAliveLoadLoseNoRequestAndNoConnection() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream green = upstream("green");
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);
        List<Era> eras = new ArrayList<>();
        long eraStart = System.nanoTime();
        String inForce = "blue";
        try (KeepAliveLoad load = KeepAliveLoad.start(gateway.port(), "/svc/x", 4, Duration.ofSeconds(120))) {
            for (int i = 0; i < 50; i++) {
                int before = load.answered();
                Await.until(Duration.ofSeconds(10), "traffic before reload " + i, () -> load.answered() >= before + 8);
                String next = inForce.equals("blue") ? "green" : "blue";
                writeRoutes(routes(next, (next.equals("blue") ? blue : green).url(), ""));
                long start = System.nanoTime();
                ReloadResult r = gateway.reloader().reload("test").join();
                long end = System.nanoTime();
                assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
                // The old configuration may serve requests until the swap, which happens before `end`.
                eras.add(new Era(inForce, eraStart, end));
                eraStart = start;
                inForce = next;
            }
            int last = load.answered();
            Await.until(Duration.ofSeconds(10), "traffic after the last reload", () -> load.answered() >= last + 8);
            load.stop();
            eras.add(new Era(inForce, eraStart, Long.MAX_VALUE));

            assertThat(load.failures()).isEmpty();
            List<KeepAliveLoad.Sample> samples = load.samples();
            assertThat(samples).hasSizeGreaterThan(50 * 8);
            assertThat(samples).allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
            for (KeepAliveLoad.Sample s : samples) {
                // Served by a configuration that may have been in force while the request was on its way.
                boolean valid = eras.stream().anyMatch(e -> e.upstream().equals(s.upstream())
                        && e.fromNanos() <= s.answeredNanos() && s.sentNanos() <= e.untilNanos());
                assertThat(valid).as("request on connection %d served by %s", s.connection(), s.upstream()).isTrue();
            }
            assertThat(samples).extracting(KeepAliveLoad.Sample::upstream).contains("blue", "green");
        }
        assertThat(reloads("success")).isEqualTo(51);
    }

    @Test
    void aBrokenFileWrittenMidTrafficChangesNothingAndIsReported() throws Exception {
        TestUpstream blue = upstream("blue");
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);
        String version = gateway.config().get().version();
        try (KeepAliveLoad load = KeepAliveLoad.start(gateway.port(), "/svc/x", 2, Duration.ofSeconds(60))) {
            Await.until(Duration.ofSeconds(10), "traffic", () -> load.answered() >= 20);
            writeRoutes(routes("blue", blue.url(), "  - { id: bad, paths: [/bad/**], upstream: nowhere }\n"
                    + "  - { id: svc2, paths: [/svc2/**], upstream: blue, timeout: soon }\n"));

            RawHttp.Response r = admin("POST", "/admin/reload", "Bearer " + TOKEN);

            assertThat(r.status()).isEqualTo(400);
            JsonNode body = JSON.readTree(r.text());
            assertThat(body.get("error").asText()).isEqualTo("invalid_configuration");
            assertThat(body.get("version").asText()).isEqualTo(version);
            Path file = dir.resolve("routes.yml");
            assertThat(body.get("errors")).extracting(JsonNode::asText).containsExactlyInAnyOrder(
                    file + ":5: routes[1].upstream: no upstream named 'nowhere'",
                    file + ":6: routes[2].timeout: expected a duration such as 500ms, 30s, 5m, found 'soon'");
            int answered = load.answered();
            Await.until(Duration.ofSeconds(10), "traffic after the rejected reload",
                    () -> load.answered() >= answered + 20);
            load.stop();
            assertThat(load.failures()).isEmpty();
            assertThat(load.samples()).allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
        }
        assertThat(gateway.config().get().version()).isEqualTo(version);
        assertThat(reloads("failure")).isEqualTo(1);
        JsonNode status = JSON.readTree(admin("GET", "/admin/config", null).text());
        assertThat(status.get("version").asText()).isEqualTo(version);
        assertThat(status.get("files")).extracting(JsonNode::asText)
                .containsExactly(dir.resolve("gateway.yml").toString(), dir.resolve("routes.yml").toString());
        assertThat(status.get("last_failure").get("errors")).hasSize(2);
        assertThat(status.get("last_failure").get("trigger").asText()).isEqualTo("admin");
    }

    @Test
    void adminReloadNeedsTheConfiguredBearerToken() throws Exception {
        TestUpstream blue = upstream("blue");
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);

        RawHttp.Response none = admin("POST", "/admin/reload", null);
        RawHttp.Response wrong = admin("POST", "/admin/reload", "Bearer not-the-token-0123456789");
        RawHttp.Response right = admin("POST", "/admin/reload", "Bearer " + TOKEN);

        assertThat(none.status()).isEqualTo(401);
        assertThat(JSON.readTree(none.text()).get("error").asText()).isEqualTo("unauthorized");
        assertThat(none.header("www-authenticate")).startsWith("Bearer");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(right.status()).isEqualTo(200);
        JsonNode ok = JSON.readTree(right.text());
        assertThat(ok.get("status").asText()).isEqualTo("reloaded");
        assertThat(ok.get("version").asText()).isEqualTo(gateway.config().get().version());
        assertThat(reloads("success")).isEqualTo(2);
    }

    @Test
    void adminWritesAreRefusedWhenNoTokenIsConfigured() throws Exception {
        TestUpstream blue = upstream("blue");
        start(routes("blue", blue.url(), ""), "  watch: false\n", false);

        RawHttp.Response r = admin("POST", "/admin/reload", "Bearer " + TOKEN);

        assertThat(r.status()).isEqualTo(403);
        assertThat(JSON.readTree(r.text()).get("error").asText()).isEqualTo("admin_token_not_configured");
        assertThat(reloads("success")).isEqualTo(1);
    }

    @Test
    void settingsThatNeedARebindAreReportedAndTheRestApplies() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream green = upstream("green");
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);
        int port = gateway.port();
        Files.writeString(dir.resolve("gateway.yml"), Files.readString(dir.resolve("gateway.yml"))
                .replace("io-threads: 2", "io-threads: 3"));
        writeRoutes(routes("green", green.url(), ""));

        ReloadResult r = gateway.reloader().reload("test").join();

        assertThat(r.outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);
        assertThat(r.restartNeeded()).containsExactly("server.io-threads: 2 -> 3");
        assertThat(get("/svc/x").header("x-upstream")).isEqualTo("green");
        assertThat(gateway.port()).isEqualTo(port);
        JsonNode status = JSON.readTree(admin("GET", "/admin/config", null).text());
        assertThat(status.get("restart_needed")).extracting(JsonNode::asText)
                .containsExactly("server.io-threads: 2 -> 3");
    }

    @Test
    void aTwoStepEditorSaveIsOneReload() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream green = upstream("green");
        start(routes("blue", blue.url(), ""), "  watch: true\n  debounce: 300ms\n  poll-interval: 200ms\n", true);
        Path routes = dir.resolve("routes.yml");

        // An editor that truncates the file, then writes the new content a moment later.
        Files.writeString(routes, "");
        Thread.sleep(30); // the editor's pause between its two writes (the input, not a wait for the gateway)
        Files.writeString(routes, routes("green", green.url(), ""));

        Await.until(Duration.ofSeconds(10), "the reload", () -> reloads("success") == 2);
        assertThat(get("/svc/x").header("x-upstream")).isEqualTo("green");
        // Nothing more follows: no reload of the half-written file, no second reload.
        boolean more = Await.holdsWithin(Duration.ofSeconds(1), () -> reloads("success") + reloads("failure") > 2);
        assertThat(more).isFalse();
        assertThat(gateway.reloader().lastFailure()).isNull();
    }

    @Test
    void undoingABrokenEditLogsThatTheConfigurationInForceIsValidAgain() throws Exception {
        TestUpstream blue = upstream("blue");
        String good = routes("blue", blue.url(), "");
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger reloads = (Logger) LoggerFactory.getLogger(ConfigReloader.class);
        reloads.addAppender(log);
        try {
            start(good, "  watch: true\n  debounce: 50ms\n  poll-interval: 100ms\n", true);
            String version = gateway.config().get().version();

            writeRoutes(good + "  - { id: broken, paths: [/b/**], upstream: blue\n");
            Await.until(Duration.ofSeconds(10), "the rejected reload", () -> reloads("failure") == 1);
            writeRoutes(good);

            Await.until(Duration.ofSeconds(10), "the line saying the files are valid again",
                    () -> messages(log).stream().anyMatch(m -> m.startsWith("configuration files are valid again")));
            assertThat(messages(log)).filteredOn(m -> m.startsWith("configuration files are valid again"))
                    .containsExactly("configuration files are valid again (file change): version " + version
                            + " is in force");
            assertThat(gateway.reloader().last().outcome()).isEqualTo(ReloadResult.Outcome.UNCHANGED);
        } finally {
            reloads.detachAppender(log);
        }
    }

    @Test
    void aFixedEditThatChangesTheConfigurationSaysItIsInForce() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream green = upstream("green");
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger reloads = (Logger) LoggerFactory.getLogger(ConfigReloader.class);
        reloads.addAppender(log);
        try {
            start(routes("blue", blue.url(), ""), "  watch: false\n", true);
            writeRoutes(routes("green", green.url(), "  - { id: broken, paths: [/b/**], upstream: green\n"));
            assertThat(gateway.reloader().reload("SIGHUP").get().outcome())
                    .isEqualTo(ReloadResult.Outcome.REJECTED);
            writeRoutes(routes("green", green.url(), ""));

            assertThat(gateway.reloader().reload("SIGHUP").get().outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);

            assertThat(messages(log)).filteredOn(m -> m.startsWith("configuration reloaded (SIGHUP)"))
                    .singleElement().asString()
                    .endsWith("; the files are valid again and this configuration is in force");
            assertThat(get("/svc/x").header("x-upstream")).isEqualTo("green");
        } finally {
            reloads.detachAppender(log);
        }
    }

    private static List<String> messages(ListAppender<ILoggingEvent> log) {
        synchronized (log) { // AppenderBase.doAppend appends under the appender's lock
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    @Test
    void poolsOfUpstreamsAReloadDoesNotTouchKeepTheirConnections() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream other = upstream("other");
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);
        try (RawHttp client = new RawHttp(gateway.port())) {
            assertThat(client.send("GET /svc/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            int accepted = blue.connections();

            for (int i = 0; i < 20; i++) {
                String extra = "  - { id: other, paths: [/other" + i + "/**], upstream: blue, timeout: " + (i + 1)
                        + "s }\n";
                writeRoutes(routes("blue", blue.url(), extra).replace("upstreams:\n", "upstreams:\n  other: "
                        + "{ targets: [\"" + other.url() + "\"] }\n"));
                assertThat(gateway.reloader().reload("test").join().outcome())
                        .isEqualTo(ReloadResult.Outcome.APPLIED);
                assertThat(client.send("GET /svc/x HTTP/1.1\r\nHost: x\r\n\r\n").read().status()).isEqualTo(200);
            }

            assertThat(blue.connections()).isEqualTo(accepted);
            assertThat(blue.received()).hasSize(21);
        }
    }

    @Test
    void aRemovedUpstreamsConnectionClosesAfterItsLastRequestInFlight() throws Exception {
        TestUpstream blue = upstream("blue");
        TestUpstream green = upstream("green");
        List<Runnable> held = new CopyOnWriteArrayList<>();
        blue.behavior((ctx, r, up) -> held.add(() -> up.sendText(ctx, r, 200, "{\"late\":true}")));
        start(routes("blue", blue.url(), ""), "  watch: false\n", true);
        CompletableFuture<RawHttp.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/svc/slow");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until(Duration.ofSeconds(10), "the request at blue", () -> held.size() == 1);

        writeRoutes(routes("green", green.url(), ""));
        assertThat(gateway.reloader().reload("test").join().outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);

        assertThat(get("/svc/x").header("x-upstream")).isEqualTo("green");
        assertThat(blue.openConnections()).isEqualTo(1); // still serving the request that started before
        held.get(0).run();
        assertThat(inFlight.join().status()).isEqualTo(200);
        Await.until(Duration.ofSeconds(10), "blue's connection to close", () -> blue.openConnections() == 0);
        // The upstream sees the close before the gateway's loop has handled it and dropped blue's pool.
        Await.until(Duration.ofSeconds(10), "only green's pools to remain", () -> gateway.upstreamClient().pools()
                .stream().allMatch(p -> p.endpoint().address().getPort() == green.port()));
    }
}
