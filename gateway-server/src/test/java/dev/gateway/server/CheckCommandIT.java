package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.RawHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --check} on the real jar: the shipped {@code conf/} validates, broken configurations are rejected with
 * every error located as {@code FILE:LINE: key.path: message}; and the shipped {@code conf/} really starts and
 * serves its demo routes.
 */
class CheckCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shippedConfigurationPassesCheck() throws Exception {
        GatewayProcess.Result r = GatewayProcess.run(GatewayProcess.REPO_ROOT,
                "--config", "conf/gateway.yml", "--check");

        assertThat(r.exitCode()).as("exit code; stderr:\n%s", r.stderr()).isZero();
        assertThat(r.stdout()).startsWith("conf/gateway.yml: ").contains("configuration OK").contains("6 routes");
    }

    @Test
    void reportsEveryErrorOfConfigSpreadOverTwoFilesWithFileLineAndKeyPath() throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                server:
                  listen: 127.0.0.1:0
                  drain-timeout: 30 seconds
                  idle-timout: 60s
                admin:
                  listen: 127.0.0.1:0
                upstreams:
                  orders:
                    targets: ["http://127.0.0.1:18081"]
                include:
                  - routes.yml
                """);
        Files.writeString(dir.resolve("routes.yml"), """
                routes:
                  - id: orders
                    paths: [/orders/**]
                    upstream: orders
                  - id: typo
                    paths: [/o2/**]
                    upstream: ordrs
                    timeout: 5 sec
                    colour: blue
                """);

        GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "gateway.yml", "--check");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderrLines()).containsExactlyInAnyOrder(
                "gateway.yml:3: server.drain-timeout: expected a duration such as 500ms, 30s, 5m, found '30 seconds'",
                "gateway.yml:4: server.idle-timout: unknown key 'idle-timout' (did you mean 'idle-timeout'?)",
                "routes.yml:7: routes[1].upstream: no upstream named 'ordrs' (did you mean 'orders'?)",
                "routes.yml:8: routes[1].timeout: expected a duration such as 500ms, 30s, 5m, found '5 sec'",
                "routes.yml:9: routes[1].colour: unknown key 'colour'",
                "gateway.yml: 5 error(s), configuration rejected");
    }

    @Test
    void clusterLimitsAreCheckedWithoutConnectingToRedis() throws Exception {
        // Nothing listens on port 1: the check builds the cluster limits against a Redis it never connects to.
        Files.writeString(dir.resolve("gateway.yml"), """
                server:
                  listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                redis:
                  uri: redis://127.0.0.1:1/0
                upstreams:
                  orders:
                    targets: ["http://127.0.0.1:18081"]
                routes:
                  - { id: orders, paths: [/orders/**], upstream: orders }
                limits:
                  - { id: shared, routes: [orders], key: [ip], rate: 100/s, scope: cluster, lease: 10 }
                  - { id: daily, routes: [orders], key: [ip], quota: 1000/day, scope: cluster }
                """);

        GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "gateway.yml", "--check");

        assertThat(r.exitCode()).as("exit code; stderr:\n%s", r.stderr()).isZero();
        assertThat(r.stdout()).contains("configuration OK");
        assertThat(r.stderr()).doesNotContain("Exception");
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws Exception {
        Files.writeString(dir.resolve("bad.yml"), """
                server:
                  listen: 127.0.0.1:0
                  max-body-size: [1MB
                admin:
                  listen: 127.0.0.1:0
                """);

        GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "bad.yml", "--check");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(2).last().isEqualTo("bad.yml: 1 error(s), configuration rejected");
        // The unclosed '[' opens on line 3; the parser notices on line 4.
        assertThat(syntaxErrorLine("bad.yml", r.stderrLines().get(0))).isBetween(3, 4);
    }

    @Test
    void yamlSyntaxErrorInIncludedFileNamesThatFile() throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                upstreams:
                  a:
                    targets: ["http://127.0.0.1:18081"]
                include:
                  - routes.yml
                """);
        Files.writeString(dir.resolve("routes.yml"), """
                routes:
                  - id: a
                    paths: [/a/**
                    upstream: a
                """);

        GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "gateway.yml", "--check");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).hasSize(2).last().isEqualTo("gateway.yml: 1 error(s), configuration rejected");
        assertThat(syntaxErrorLine("routes.yml", r.stderrLines().get(0))).isBetween(3, 4);
    }

    /** The line number of {@code FILE:LINE: invalid YAML: ...}; fails if the line has another shape. */
    private static int syntaxErrorLine(String file, String line) {
        Matcher m = Pattern.compile(Pattern.quote(file) + ":(\\d+): invalid YAML: .+").matcher(line);
        assertThat(m.matches()).as("'%s' is %s:LINE: invalid YAML: ...", line, file).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void missingConfigFileExitsOneNamingTheFile() throws Exception {
        GatewayProcess.Result r = GatewayProcess.run(dir, "--config", "missing.yml", "--check");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderrLines()).isNotEmpty();
        assertThat(r.stderrLines().get(0)).startsWith("missing.yml:").endsWith(": file not found");
    }

    /**
     * Copies the shipped conf/*.yml to {@code to} and starts the gateway from the copy, with the proxy, admin and
     * demo echo ports (8080, 9090 and 9091 may be taken on a developer's machine) moved to free ones the way a user
     * would: GATEWAY_PORT, GATEWAY_ADMIN_PORT and GATEWAY_ECHO_PORT in the environment. Only the proxy's host is
     * edited (0.0.0.0 to 127.0.0.1: tests listen on loopback).
     */
    static GatewayProcess startShippedConfig(Path to) throws IOException {
        Path conf = GatewayProcess.REPO_ROOT.resolve("conf");
        try (Stream<Path> files = Files.list(conf)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml")).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        int[] ports = GatewayProcess.freePorts(3);
        replaceOnce(to.resolve("gateway.yml"), "listen: \"0.0.0.0:${GATEWAY_PORT:8080}\"",
                "listen: \"127.0.0.1:${GATEWAY_PORT:8080}\"");
        return GatewayProcess.start(to, Path.of("gateway.yml"), ports[0], ports[1], GatewayProcess.Launch.PLAIN
                .withEnv(Map.of("GATEWAY_PORT", Integer.toString(ports[0]), "GATEWAY_ADMIN_PORT",
                        Integer.toString(ports[1]), "GATEWAY_ECHO_PORT", Integer.toString(ports[2]))));
    }

    private static void replaceOnce(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        assertThat(text.split(Pattern.quote(from), -1)).as("'%s' occurs once in shipped %s", from, file.getFileName())
                .hasSize(2);
        Files.writeString(file, text.replace(from, to));
    }

    @Test
    void shippedConfigurationStopsWithExitZeroOnSigterm() throws Exception {
        try (GatewayProcess gateway = startShippedConfig(dir)) {
            gateway.destroy();

            // The shipped drain-delay (5s) passes first.
            assertThat(gateway.awaitExit(Duration.ofSeconds(20))).as("exit code").isEqualTo(0);
            assertThat(gateway.output()).doesNotContain("LEAK:");
        }
    }

    /** The shipped configuration, started once, answering on its demo routes. */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class ShippedConfigurationRunning {
        GatewayProcess gateway;

        @BeforeAll
        void start(@TempDir Path confDir) throws IOException {
            gateway = startShippedConfig(confDir);
        }

        @AfterAll
        void stop() {
            if (gateway != null) {
                gateway.close();
                assertThat(gateway.output()).doesNotContain("LEAK:");
            }
        }

        private RawHttp.Response get(String path) throws IOException {
            return RawHttp.exchange(gateway.proxyPort(),
                    "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        }

        @Test
        void echoRouteReachesDemoEcho() throws Exception {
            RawHttp.Response r = get("/echo/hello");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("content-type")).startsWith("application/json");
            JsonNode json = JSON.readTree(r.body());
            assertThat(json.path("service").asText()).isEqualTo("demo-echo");
            assertThat(json.path("uri").asText()).isEqualTo("/echo/hello");
        }

        @Test
        void usersRouteReachesDemoEchoWithApiReplacedByV1() throws Exception {
            RawHttp.Response r = get("/api/users/7");

            assertThat(r.status()).isEqualTo(200);
            JsonNode json = JSON.readTree(r.body());
            assertThat(json.path("service").asText()).isEqualTo("demo-echo");
            assertThat(json.path("uri").asText()).isEqualTo("/v1/users/7");
        }

        @Test
        void shippedPerIpLimitAnnouncesItselfOnAdmittedResponses() throws Exception {
            RawHttp.Response r = get("/echo/limited");

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("ratelimit-policy")).isEqualTo("\"per-ip\";q=200;w=2");
            assertThat(r.header("ratelimit")).matches("\"per-ip\";r=\\d+;t=\\d+");
        }

        @Test
        void batchExampleOfTheDocsCompletesEveryItemOnTheDemo() throws Exception {
            // The request of docs/features/batch.md, sent as its `curl -d @batch.json` sends it (newlines dropped).
            String body = firstJsonBlock(GatewayProcess.REPO_ROOT.resolve("docs/features/batch.md")).replace("\n", "");
            RawHttp.Response r = RawHttp.exchange(gateway.proxyPort(), "POST /batch HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-batch-completed")).isEqualTo("4/4");
            JsonNode entries = JSON.readTree(r.body()).path("responses");
            assertThat(entries).extracting(e -> e.path("status").asInt()).containsExactly(200, 200, 200, 200);
            assertThat(entries.get(1).path("body").path("uri").asText()).isEqualTo("/orders?user=%2Fv1%2Fusers%2F7");
            assertThat(JSON.readTree(entries.get(2).path("body").path("body").asText()).path("user").asText())
                    .isEqualTo("/v1/users/7");
        }

        private static String firstJsonBlock(Path page) throws IOException {
            String text = Files.readString(page);
            int open = text.indexOf("```json\n");
            assertThat(open).as("a ```json block in %s", page).isNotNegative();
            int from = open + "```json\n".length();
            return text.substring(from, text.indexOf("```", from));
        }

        @Test
        void theDocumentedWebSocketClientGetsItsMessagesEchoedThroughTheWsRoute() throws Exception {
            // The very line the docs show: java docs/examples/WsEcho.java ws://localhost:8080/ws/echo hello
            Process client = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "docs/examples/WsEcho.java", "ws://127.0.0.1:" + gateway.proxyPort() + "/ws/echo", "hello",
                    "second message")
                    .directory(GatewayProcess.REPO_ROOT.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue()).as(output).isZero();
            assertThat(output.lines()).containsExactly("hello", "second message");
        }

        /** {@code java -jar gateway-server.jar sign ARGS...}: its stdout lines, after checking it exited 0. */
        private List<String> sign(String... args) throws Exception {
            String[] all = new String[args.length + 1];
            all[0] = "sign";
            System.arraycopy(args, 0, all, 1, args.length);
            GatewayProcess.Result r = GatewayProcess.run(dir, all);
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            return r.stdout().lines().toList();
        }

        @Test
        void theSignVerbPrintsHeadersThatPassHmacAuthOnTheShippedSignedRoute() throws Exception {
            List<String> headers = sign("--app", "demo-app", "--secret", "demo-secret", "GET", "/signed/orders?id=7");

            assertThat(headers).hasSize(2);
            assertThat(headers.get(0)).matches("X-Date: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
            assertThat(headers.get(1)).startsWith("Authorization: hmac username=\"demo-app\", "
                    + "algorithm=\"hmac-sha256\", headers=\"x-date request-line\", signature=\"");
            RawHttp.Response r = RawHttp.exchange(gateway.proxyPort(), "GET /signed/orders?id=7 HTTP/1.1\r\n"
                    + "Host: localhost\r\n" + String.join("\r\n", headers) + "\r\nConnection: close\r\n\r\n");
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            assertThat(JSON.readTree(r.body()).path("headers").path("x-app-key").asText()).isEqualTo("demo-app");
        }

        @Test
        void theDocumentedCurlLineSendsTheSignedHeadersWithTheirSpaces() throws Exception {
            // As the docs show it: sign ... | curl -H @- URL (curl reads one header per line, spaces kept).
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String url = "http://127.0.0.1:" + gateway.proxyPort() + "/signed/orders";
            Process p = new ProcessBuilder("bash", "-c", "set -o pipefail; \"$0\" -jar \"$1\" sign --app demo-app "
                    + "--secret demo-secret --body hello POST /signed/orders "
                    + "| curl -sS --data-binary hello -H @- \"$2\"",
                    java, GatewayProcess.JAR.toString(), url)
                    .redirectErrorStream(true)
                    .start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(output).isZero();
            JsonNode echoed = JSON.readTree(output);
            assertThat(echoed.path("headers").path("x-app-key").asText()).as(output).isEqualTo("demo-app");
            assertThat(echoed.path("body").asText()).isEqualTo("hello");
        }

        @Test
        void aSignatureMismatchAnswersWithTheSigningStringTheGatewayBuilt() throws Exception {
            List<String> headers = sign("--app", "demo-app", "--secret", "not-the-secret", "GET", "/signed/orders");
            String date = headers.get(0).substring("X-Date: ".length());

            RawHttp.Response r = RawHttp.exchange(gateway.proxyPort(), "GET /signed/orders HTTP/1.1\r\n"
                    + "Host: localhost\r\n" + String.join("\r\n", headers) + "\r\nConnection: close\r\n\r\n");

            assertThat(r.status()).isEqualTo(401);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("error").asText()).isEqualTo("signature_mismatch");
            assertThat(body.path("signing_string").asText())
                    .isEqualTo("x-date: " + date + "\nGET /signed/orders HTTP/1.1");
            assertThat(r.text()).doesNotContain("demo-secret");
        }

        @Test
        void unroutedPathGets404JsonError() throws Exception {
            RawHttp.Response r = get("/nope");

            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("content-type")).isEqualTo("application/json");
            assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("no_route");
        }
    }
}
