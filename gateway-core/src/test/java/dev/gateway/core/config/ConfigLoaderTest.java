package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String UPSTREAM_A = """
            upstreams:
              a:
                targets: [http://127.0.0.1:8081]
            """;

    @TempDir
    Path dir;

    private void write(String name, String yaml) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
    }

    private GatewayConfig load(Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env::get).load(dir.resolve("gateway.yml"));
    }

    private GatewayConfig load() throws ConfigException {
        return load(Map.of());
    }

    private List<String> errors(Map<String, String> env) {
        try {
            load(env);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private List<String> errors() {
        return errors(Map.of());
    }

    /** {@code file:line} as errors print it. */
    private String at(String file, int line) {
        return dir.resolve(file) + ":" + line;
    }

    // --- references between routes and upstreams ---

    @Test
    void suggestsTheUpstreamNameWhenRouteNamesAMisspeltOne() throws Exception {
        write("gateway.yml", """
                include:
                  - routes.yml
                upstreams:
                  orders:
                    targets:
                      - http://127.0.0.1:8081
                """);
        write("routes.yml", """
                routes:
                  - id: list-orders
                    paths: [/orders]
                    upstream: orders
                  - id: create-order
                    paths: [/orders/new]
                    upstream: ordrs
                """);

        assertThat(errors()).containsExactly(
                at("routes.yml", 7) + ": routes[1].upstream: no upstream named 'ordrs' (did you mean 'orders'?)");
    }

    @Test
    void suggestsNothingWhenNoUpstreamNameIsClose() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: [/x]
                    upstream: billing
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 7) + ": routes[0].upstream: no upstream named 'billing'");
    }

    @Test
    void resolvesRouteUpstreamDefinedInAnotherIncludedFile() throws Exception {
        write("gateway.yml", """
                include: [upstreams.yml, routes.yml]
                """);
        write("upstreams.yml", UPSTREAM_A);
        write("routes.yml", """
                routes:
                  - id: r
                    paths: [/x]
                    upstream: a
                """);

        GatewayConfig c = load();

        assertThat(c.routes()).extracting(RouteConfig::id, RouteConfig::upstream).containsExactly(tuple("r", "a"));
        assertThat(c.upstreams()).containsOnlyKeys("a");
    }

    // --- unknown keys and several errors ---

    @Test
    void reportsUnknownKeyWithItsLineAndPath() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":8080"
                  lisen: ":9090"
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 3) + ": server.lisen: unknown key 'lisen' (did you mean 'listen'?)");
    }

    @Test
    void reportsUnknownTopLevelKey() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":8080"
                servr:
                  listen: ":9090"
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 3) + ": servr: unknown key 'servr' (did you mean 'server'?)");
    }

    @Test
    void suggestsNothingForAnUnknownTopLevelKeyFarFromEveryKnownOne() throws Exception {
        write("gateway.yml", """
                colour: blue
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 1) + ": colour: unknown key 'colour'");
    }

    @Test
    void reportsServerKeyInIncludedFileAsUnknown() throws Exception {
        write("gateway.yml", "include: [more.yml]\n");
        write("more.yml", """
                server:
                  listen: ":8080"
                """);

        assertThat(errors()).containsExactly(at("more.yml", 1) + ": server: unknown key 'server'");
    }

    @Test
    void reportsEveryErrorOfMainAndIncludedFilesAtOnce() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 10
                include: [more.yml]
                upstreams:
                  orders:
                    targets: [http://127.0.0.1:8081]
                    balancer: random
                """);
        write("more.yml", """
                routes:
                  - id: r1
                    paths: [/a]
                    upstream: nope
                    timeout: soon
                """);

        assertThat(errors()).containsExactlyInAnyOrder(
                at("gateway.yml", 2) + ": server.idle-timeout: expected a duration such as 500ms, 30s, 5m, found '10'",
                at("gateway.yml", 7) + ": upstreams.orders.balancer: expected one of [round-robin, least-requests],"
                        + " found 'random'",
                at("more.yml", 5) + ": routes[0].timeout: expected a duration such as 500ms, 30s, 5m, found 'soon'",
                at("more.yml", 4) + ": routes[0].upstream: no upstream named 'nope'");
    }

    // --- includes ---

    @Test
    void missingIncludeNamesTheIncludingLine() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                include:
                  - routes.yml
                  - extra/missing.yml
                """);
        write("routes.yml", """
                routes:
                  - id: r
                    paths: [/x]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": include[1]: " + dir.resolve("extra/missing.yml") + ": file not found");
    }

    @Test
    void resolvesNestedIncludesRelativeToTheIncludingFile() throws Exception {
        write("gateway.yml", "include: [conf/routes.yml]\n");
        write("conf/routes.yml", UPSTREAM_A + "include: [more/routes2.yml]\n");
        write("conf/more/routes2.yml", """
                routes:
                  - id: r
                    paths: [/x]
                    upstream: nope
                """);

        assertThat(errors()).containsExactly(
                at("conf/more/routes2.yml", 4) + ": routes[0].upstream: no upstream named 'nope'");
    }

    @Test
    void rejectsIncludeCycle() throws Exception {
        write("gateway.yml", "include: [a.yml]\n");
        write("a.yml", "include: [gateway.yml]\n");

        assertThat(errors()).containsExactly(
                at("a.yml", 1) + ": include[0]: 'gateway.yml' is included more than once (or includes itself)");
    }

    @Test
    void rejectsUpstreamDefinedInTwoFiles() throws Exception {
        write("gateway.yml", UPSTREAM_A + "include: [more.yml]\n");
        write("more.yml", UPSTREAM_A);

        assertThat(errors()).containsExactly(
                at("more.yml", 2) + ": upstreams.a: upstream 'a' is already defined at " + at("gateway.yml", 2));
    }

    // --- duplicate routes ---

    @Test
    void rejectsDuplicateRouteId() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: orders
                    paths: [/orders]
                    upstream: a
                  - id: orders
                    paths: [/users]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 8) + ": routes[1].id: route id 'orders' is already used at " + at("gateway.yml", 5));
    }

    @Test
    void rejectsTwoRoutesWithTheSameHostPathAndMethod() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: get-user
                    hosts: [api.example.com]
                    paths: ["/users/{id}"]
                    methods: [GET]
                    upstream: a
                  - id: get-user-again
                    hosts: [API.example.com]
                    paths: ["/users/{uid}"]
                    methods: [get, POST]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 10) + ": routes[1].paths: route 'get-user-again'"
                + " matches the same host api.example.com, path /users/{uid} and method GET as route 'get-user' at "
                + at("gateway.yml", 5));
    }

    @Test
    void rejectsTwoCatchAllRoutesWithTheSamePathAcrossFiles() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                include: [more.yml]
                routes:
                  - id: first
                    paths: [/api/**]
                    upstream: a
                """);
        write("more.yml", """
                routes:
                  - id: second
                    paths: [/api/**]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("more.yml", 2) + ": routes[0].paths: route 'second' matches the same"
                + " path /api/** as route 'first' at " + at("gateway.yml", 6));
    }

    @Test
    void acceptsSamePathWithDifferentMethodsAndACatchAll() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: read
                    paths: [/orders]
                    methods: [GET]
                    upstream: a
                  - id: write
                    paths: [/orders]
                    methods: [POST]
                    upstream: a
                  - id: other
                    paths: [/orders]
                    upstream: a
                """);

        assertThat(load().routes()).extracting(RouteConfig::id).containsExactly("read", "write", "other");
    }

    // --- value types ---

    @Test
    void rejectsDurationWithoutUnit() throws Exception {
        write("gateway.yml", """
                server:
                  drain-timeout: 30
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 2) + ": server.drain-timeout: expected a duration such as 500ms, 30s, 5m, found '30'");
    }

    @Test
    void rejectsDurationWithUnknownUnit() throws Exception {
        write("gateway.yml", UPSTREAM_A.replace("targets:", "connect-timeout: 2 seconds\n    targets:"));

        assertThat(errors()).containsExactly(at("gateway.yml", 3) + ": upstreams.a.connect-timeout: expected a"
                + " duration such as 500ms, 30s, 5m, found '2 seconds'");
    }

    @Test
    void parsesDurationUnits() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 500ms
                  header-read-timeout: 2m
                  drain-timeout: 1h
                """);

        ServerConfig s = load().server();

        assertThat(List.of(s.idleTimeout(), s.headerReadTimeout(), s.drainTimeout()))
                .containsExactly(Duration.ofMillis(500), Duration.ofMinutes(2), Duration.ofHours(1));
    }

    @Test
    void rejectsZeroIdleTimeout() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 0
                """);

        assertThat(errors()).singleElement().asString().endsWith(": server.idle-timeout: must be above 0");
    }

    @Test
    void reportsZeroIdleTimeoutAtItsOwnLine() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 0
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 2) + ": server.idle-timeout: must be above 0");
    }

    @Test
    void reportsDurationNumberTooLargeAsConfigError() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 99999999999999999999s
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 2) + ": server.idle-timeout: ");
    }

    @Test
    void reportsDurationTooLongForDurationAsConfigError() throws Exception {
        write("gateway.yml", """
                server:
                  idle-timeout: 9999999999999999d
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 2) + ": server.idle-timeout: ");
    }

    @Test
    void rejectsSizeWithUnknownUnit() throws Exception {
        write("gateway.yml", """
                server:
                  max-body-size: 10 parsecs
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 2) + ": server.max-body-size: expected a size such as 8192, 16KB, 10MB, found '10 parsecs'");
    }

    @Test
    void rejectsSizeOutOfRange() throws Exception {
        write("gateway.yml", """
                server:
                  max-header-size: 100
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 2) + ": server.max-header-size: 100 is out of range [256, 1048576] bytes");
    }

    @Test
    void parsesSizeUnitsAsPowersOf1024() throws Exception {
        write("gateway.yml", """
                server:
                  max-body-size: 2MiB
                  max-header-size: 16KB
                  max-request-line: 4 k
                """);

        ServerConfig s = load().server();

        assertThat(List.of(s.maxBodySize(), (long) s.maxHeaderSize(), (long) s.maxInitialLineLength()))
                .containsExactly(2L * 1024 * 1024, 16L * 1024, 4L * 1024);
    }

    @Test
    void reportsSizeNumberTooLargeAsConfigError() throws Exception {
        write("gateway.yml", """
                server:
                  max-body-size: 99999999999999999999
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 2) + ": server.max-body-size: ");
    }

    @Test
    void rejectsSizeThatOverflowsWhenMultipliedByItsUnit() throws Exception {
        write("gateway.yml", """
                server:
                  max-body-size: 18014398509481994GB
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 2) + ": server.max-body-size: ");
    }

    @Test
    void rejectsUnknownEnumValueListingTheChoices() throws Exception {
        write("gateway.yml", """
                server:
                  transport: kqueue
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 2) + ": server.transport: expected one of [auto, epoll, nio], found 'kqueue'");
    }

    @Test
    void acceptsEnumValuesWithDashesInAnyCase() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                    balancer: Least-Requests
                    host-header: client
                """);

        UpstreamConfig u = load().upstreams().get("a");

        assertThat(u.balancer()).isEqualTo(UpstreamConfig.Balancer.LEAST_REQUESTS);
        assertThat(u.hostHeader()).isEqualTo(UpstreamConfig.HostHeader.CLIENT);
    }

    @Test
    void rejectsNonBooleanValue() throws Exception {
        write("gateway.yml", """
                admin:
                  enabled: maybe
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 2) + ": admin.enabled: expected true or false, found 'maybe'");
    }

    @Test
    void acceptsOffAsFalse() throws Exception {
        write("gateway.yml", """
                access-log:
                  enabled: off
                """);

        assertThat(load().accessLog().enabled()).isFalse();
    }

    @Test
    void rejectsNonIntegerValue() throws Exception {
        write("gateway.yml", """
                server:
                  io-threads: many
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 2) + ": server.io-threads: expected an integer, found 'many'");
    }

    @Test
    void rejectsIntegerOutOfRange() throws Exception {
        write("gateway.yml", """
                server:
                  max-connections: 0
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 2) + ": server.max-connections: 0 is out of range [1, 1000000]");
    }

    @Test
    void rejectsMalformedListenAddress() throws Exception {
        write("gateway.yml", """
                server:
                  listen: "localhost:http"
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 2)
                + ": server.listen: expected host:port with a port in 0..65535, found 'localhost:http'");
    }

    @Test
    void rejectsTrustedProxyThatIsNotAnAddress() throws Exception {
        write("gateway.yml", """
                server:
                  trusted-proxies:
                    - 10.0.0.0/8
                    - proxy.internal
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 4) + ": server.trusted-proxies[1]: expected an IP"
                + " address or CIDR such as 10.0.0.0/8, found 'proxy.internal'");
    }

    @Test
    void rejectsDuplicateKey() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":8080"
                  listen: ":8081"
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 3) + ": server.listen: duplicate key 'listen'");
    }

    // --- environment substitution ---

    @Test
    void substitutesEnvironmentVariables() throws Exception {
        write("gateway.yml", """
                server:
                  listen: "${HOST}:${PORT}"
                """);

        HostPort listen = load(Map.of("HOST", "10.1.2.3", "PORT", "9000")).server().listen();

        assertThat(listen).isEqualTo(new HostPort("10.1.2.3", 9000));
    }

    @Test
    void usesDefaultWhenVariableIsUnset() throws Exception {
        write("gateway.yml", """
                server:
                  listen: "${HOST:127.0.0.1}:${PORT:8088}"
                """);

        assertThat(load(Map.of("PORT", "9000")).server().listen()).isEqualTo(new HostPort("127.0.0.1", 9000));
    }

    @Test
    void defaultMayContainColons() throws Exception {
        write("gateway.yml", """
                upstreams:
                  a:
                    targets: ["${TARGET:http://127.0.0.1:8081}"]
                """);

        assertThat(load().upstreams().get("a").targets()).extracting(UpstreamConfig.TargetConfig::port)
                .containsExactly(8081);
    }

    @Test
    void reportsUnsetVariableWithoutDefaultAtItsLine() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":8080"
                  max-body-size: ${BODY_LIMIT}
                """);

        assertThat(errors()).contains(at("gateway.yml", 3) + ": server.max-body-size: environment variable"
                + " BODY_LIMIT is not set (use ${BODY_LIMIT:default} for a default)");
    }

    @Test
    void reportsUnterminatedVariable() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":${PORT"
                """);

        assertThat(errors()).contains(at("gateway.yml", 2) + ": server.listen: unterminated '${' in ':${PORT'");
    }

    @Test
    void doubleDollarEscapesADollarSign() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["/cost/$$5"]
                    upstream: a
                """);

        assertThat(load().routes().get(0).paths()).containsExactly("/cost/$5");
    }

    @Test
    void doubleDollarBeforeBraceIsNotSubstituted() throws Exception {
        write("gateway.yml", """
                server:
                  listen: "$${PORT}"
                """);

        assertThat(errors(Map.of("PORT", "9000"))).containsExactly(at("gateway.yml", 2)
                + ": server.listen: expected host:port with a port in 0..65535, found '${PORT}'");
    }

    // --- YAML syntax ---

    @Test
    void reportsYamlSyntaxErrorWithFileAndLine() throws Exception {
        write("gateway.yml", """
                server:
                  listen: ":8080"
                 bad: 2
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 3) + ": invalid YAML: ");
    }

    @Test
    void reportsYamlSyntaxErrorInIncludedFile() throws Exception {
        write("gateway.yml", "include: [routes.yml]\n");
        write("routes.yml", """
                routes:
                  - id: r
                    paths: [/a
                """);

        assertThat(errors()).singleElement().asString().startsWith(dir.resolve("routes.yml") + ":")
                .contains(": invalid YAML: ");
    }

    @Test
    void reportsAYamlSyntaxErrorAloneWithoutTheFollowOnErrorsOfTheRoutesItHides() throws Exception {
        write("gateway.yml", "include: [upstreams.yml, routes.yml, apps.yml, limits.yml]\n");
        write("upstreams.yml", UPSTREAM_A);
        write("routes.yml", """
                routes:
                  - id: r
                    paths: [/a
                    upstream: a
                """);
        write("apps.yml", """
                apps:
                  - key: k
                    secrets: [s]
                    routes: [r]
                """);
        write("limits.yml", """
                limits:
                  - id: per-ip
                    routes: [r]
                    key: [ip]
                    rate: 10/s
                """);

        assertThat(errors()).singleElement().asString().startsWith(dir.resolve("routes.yml") + ":")
                .contains(": invalid YAML: ")
                .doesNotContain("no route");
    }

    @Test
    void readsThePidFileAndTakesABlankOneForNone() throws Exception {
        write("gateway.yml", """
                server:
                  pid-file: ${PID_FILE:run/gateway.pid}
                """);

        assertThat(load().server().pidFile()).isEqualTo(Path.of("run/gateway.pid"));
        assertThat(load(Map.of("PID_FILE", "")).server().pidFile()).isNull();
    }

    // --- defaults ---

    @Test
    void appliesServerDefaultsWhenSectionIsAbsent() throws Exception {
        write("gateway.yml", "");

        ServerConfig s = load().server();

        assertThat(s).isEqualTo(new ServerConfig(new HostPort("0.0.0.0", 8080), 0, ServerConfig.Transport.AUTO,
                10_000, 8192, 16384, 10L * 1024 * 1024, Duration.ofSeconds(60), Duration.ofSeconds(10),
                Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(30), 16, List.of(), null, false, null,
                Http2Config.defaults()));
    }

    @Test
    void appliesAdminAccessLogAndDemoDefaultsWhenSectionsAreAbsent() throws Exception {
        write("gateway.yml", "");

        GatewayConfig c = load();

        assertThat(c.admin()).isEqualTo(new AdminConfig(true, new HostPort("127.0.0.1", 9090), null));
        assertThat(c.accessLog()).isEqualTo(AccessLogConfig.defaults());
        assertThat(c.demoEcho()).isEqualTo(new DemoEchoConfig(false, new HostPort("127.0.0.1", 9091)));
    }

    @Test
    void appliesUpstreamDefaults() throws Exception {
        write("gateway.yml", UPSTREAM_A);

        UpstreamConfig u = load().upstreams().get("a");

        assertThat(u).extracting(UpstreamConfig::balancer, UpstreamConfig::hostHeader,
                UpstreamConfig::maxConnectionsPerTarget, UpstreamConfig::maxPendingRequests,
                UpstreamConfig::connectTimeout, UpstreamConfig::idleTimeout)
                .containsExactly(UpstreamConfig.Balancer.ROUND_ROBIN, UpstreamConfig.HostHeader.TARGET, 1024, 1024,
                        Duration.ofSeconds(2), Duration.ofSeconds(30));
    }

    @Test
    void appliesRouteDefaults() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: /x
                    upstream: a
                """);

        RouteConfig r = load().routes().get(0);

        assertThat(r).extracting(RouteConfig::hosts, RouteConfig::paths, RouteConfig::methods, RouteConfig::rewrite,
                RouteConfig::timeout)
                .containsExactly(List.of(), List.of("/x"), java.util.Set.of(), null, Duration.ofSeconds(30));
    }

    @Test
    void routesRelayNoWebSocketUnlessTheySayAndIdleAfterSixtySeconds() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: /x
                    upstream: a
                  - id: ws
                    paths: /ws
                    upstream: a
                    websocket: true
                    websocket-idle-timeout: 5m
                """);

        List<RouteConfig> routes = load().routes();

        assertThat(routes).extracting(RouteConfig::websocket, RouteConfig::websocketIdleTimeout)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(false, Duration.ofSeconds(60)),
                        org.assertj.core.groups.Tuple.tuple(true, Duration.ofMinutes(5)));
    }

    @Test
    void rejectsAWebSocketIdleTimeoutThatIsNoDurationOrZeroAtItsLine() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: /x
                    upstream: a
                    websocket: maybe
                    websocket-idle-timeout: 60
                  - id: s
                    paths: /y
                    upstream: a
                    websocket-idle-timeout: 0s
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 8) + ": routes[0].websocket: expected true or false, found 'maybe'",
                at("gateway.yml", 9) + ": routes[0].websocket-idle-timeout: expected a duration such as 500ms, 30s,"
                        + " 5m, found '60'",
                at("gateway.yml", 13) + ": routes[1].websocket-idle-timeout: must be above 0");
    }

    // --- targets ---

    @Test
    void readsTargetsAsUrlStringsAndAsUrlWithWeight() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets:
                      - http://10.0.0.1:8081
                      - url: http://10.0.0.2
                        weight: 3
                      - http://[::1]:8082/
                """);

        List<UpstreamConfig.TargetConfig> targets = load().upstreams().get("orders").targets();

        assertThat(targets).extracting(t -> t.host(), t -> t.port(), t -> t.weight(), t -> t.location().line())
                .containsExactly(tuple("10.0.0.1", 8081, 1, 4), tuple("10.0.0.2", 80, 3, 5),
                        tuple("::1", 8082, 1, 7));
    }

    @Test
    void rejectsTargetUrlWithAPath() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets:
                      - http://10.0.0.1:8081/api
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 4) + ": upstreams.orders.targets[0]: a target URL has"
                + " no path (use a route rewrite), found 'http://10.0.0.1:8081/api'");
    }

    @Test
    void rejectsTargetUrlWithAPathInUrlWeightForm() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets:
                      - weight: 2
                        url: http://10.0.0.1:8081/api
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 5) + ": upstreams.orders.targets[0].url: a target URL"
                + " has no path (use a route rewrite), found 'http://10.0.0.1:8081/api'");
    }

    @Test
    void rejectsNonHttpTargetUrl() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets: [ftp://10.0.0.1:8443]
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 3) + ": upstreams.orders.targets[0]: expected an "
                + "http:// or https://host:port URL, found 'ftp://10.0.0.1:8443'");
    }

    @Test
    void httpsTargetDefaultsToPort443AndVerifiedTls() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets: [https://10.0.0.1, "http://10.0.0.2"]
                """);

        UpstreamConfig u = load().upstreams().get("orders");
        assertThat(u.targets().get(0).port()).isEqualTo(443);
        assertThat(u.targets().get(0).https()).isTrue();
        assertThat(u.targets().get(0)).hasToString("https://10.0.0.1:443");
        assertThat(u.targets().get(1).https()).isFalse();
        assertThat(u.protocol()).isEqualTo(UpstreamConfig.Protocol.HTTP1);
        assertThat(u.tls()).isNull();
        assertThat(u.effectiveTls().verify()).isTrue();
        assertThat(u.effectiveTls().ca()).isNull();
        assertThat(u.effectiveTls().sni()).isNull();
    }

    @Test
    void readsTlsFilesRelativeToTheirFile() throws Exception {
        write("ca.pem", "read at load; the compiler builds the context from it");
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets: [https://10.0.0.1:8443]
                    protocol: h2
                    tls: {ca: ca.pem, sni: orders.internal, verify: true}
                """);

        UpstreamConfig u = load().upstreams().get("orders");
        assertThat(u.protocol()).isEqualTo(UpstreamConfig.Protocol.H2);
        assertThat(new String(u.tls().ca().bytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("read at load; the compiler builds the context from it");
        assertThat(u.tls().sni()).isEqualTo("orders.internal");
    }

    @Test
    void rejectsTlsMistakesWithTheirKeys() throws Exception {
        write("gw.key", "a key alone");
        write("gateway.yml", """
                upstreams:
                  a:
                    targets: [https://10.0.0.1:8443]
                    tls: {ca: missing.pem, client-cert: missing-too.pem, sni: "bad name"}
                  b:
                    targets: [http://10.0.0.1:8080]
                    tls: {verify: false}
                  c:
                    targets: [http://10.0.0.1:8080]
                    protocol: h2
                  d:
                    targets: [https://10.0.0.1:8443]
                    protocol: h2c
                  e:
                    targets: [https://10.0.0.1:8443]
                    protocol: http3
                  f:
                    targets: [https://10.0.0.1:8443]
                    tls: {client-key: gw.key}
                """);

        assertThat(errors()).containsExactlyInAnyOrder(
                at("gateway.yml", 4) + ": upstreams.a.tls.ca: cannot read 'missing.pem': "
                        + "java.nio.file.NoSuchFileException: " + dir.resolve("missing.pem"),
                at("gateway.yml", 4) + ": upstreams.a.tls.client-cert: cannot read 'missing-too.pem': "
                        + "java.nio.file.NoSuchFileException: " + dir.resolve("missing-too.pem"),
                at("gateway.yml", 4) + ": upstreams.a.tls.sni: expected a host name, found 'bad name'",
                at("gateway.yml", 7) + ": upstreams.b.tls: tls applies to https:// targets and this upstream has none",
                at("gateway.yml", 10) + ": upstreams.c.protocol: h2 is HTTP/2 over TLS: every target must be https:// "
                        + "(h2c is the cleartext one)",
                at("gateway.yml", 13) + ": upstreams.d.protocol: h2c is HTTP/2 over cleartext: every target must be "
                        + "http:// (h2 is the TLS one)",
                at("gateway.yml", 16) + ": upstreams.e.protocol: expected one of [http1, h2, h2c], found 'http3'",
                at("gateway.yml", 19) + ": upstreams.f.tls.client-key: client-cert and client-key go together");
    }

    @Test
    void rejectsTargetUrlWithAQuery() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets: ["http://10.0.0.1:8081?debug=1"]
                """);

        assertThat(errors()).singleElement().asString().startsWith(at("gateway.yml", 3) + ": upstreams.orders.targets[0]: ");
    }

    @Test
    void rejectsTargetWithoutUrl() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets:
                      - weight: 2
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 4) + ": upstreams.orders.targets[0].url: is required");
    }

    @Test
    void rejectsTargetWeightOutOfRange() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    targets:
                      - url: http://10.0.0.1:8081
                        weight: 0
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 5) + ": upstreams.orders.targets[0].weight: 0 is out of range [1, 1000]");
    }

    @Test
    void rejectsUpstreamWithoutTargets() throws Exception {
        write("gateway.yml", """
                upstreams:
                  orders:
                    balancer: round-robin
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 2) + ": upstreams.orders.targets: at least one target is required");
    }

    // --- routes ---

    @Test
    void rejectsWildcardThatIsNotTheLastSegment() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["/a/**/b"]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": routes[0].paths[0]: '**' may only be the last segment, in '/a/**/b'");
    }

    @Test
    void rejectsUnclosedParameter() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths:
                      - /ok
                      - "/a/{x"
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 8)
                + ": routes[0].paths[1]: a parameter segment looks like {name}, found '{x' in '/a/{x'");
    }

    @Test
    void rejectsPercentEncodedUnreservedCharacterInPattern() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["/a/%7e"]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": routes[0].paths[0]: write '~' instead of '%7e' (paths are matched normalised)");
    }

    @Test
    void rejectsDotDotSegmentInPattern() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["/a/../b"]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": routes[0].paths[0]: '.' and '..' segments are not allowed, in '/a/../b'");
    }

    @Test
    void rejectsEmptySegmentInPattern() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["/a//b"]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 6) + ": routes[0].paths[0]: empty segment ('//') in '/a//b'");
    }

    @Test
    void rejectsPatternNotStartingWithSlash() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: ["api/**"]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": routes[0].paths[0]: a path pattern starts with '/', found 'api/**'");
    }

    @Test
    void rejectsRouteWithoutPaths() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 5) + ": routes[0].paths: at least one path is required (use /** for all)");
    }

    @Test
    void rejectsRouteWithoutId() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - paths: [/x]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 5) + ": routes[0].id: is required");
    }

    @Test
    void rejectsInvalidHost() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    hosts: [api_example.com]
                    paths: [/x]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 6) + ": routes[0].hosts[0]: expected a host name or *.domain, found 'api_example.com'");
    }

    @Test
    void normalisesHostsToLowerCaseAndMethodsToUpperCase() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    hosts: [API.Example.com, "*.Example.org"]
                    methods: [get, Post]
                    paths: [/x]
                    upstream: a
                """);

        RouteConfig r = load().routes().get(0);

        assertThat(r.hosts()).containsExactly("api.example.com", "*.example.org");
        assertThat(r.methods()).containsExactlyInAnyOrder("GET", "POST");
    }

    @Test
    void rejectsInvalidMethod() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    methods: ["GE T"]
                    paths: [/x]
                    upstream: a
                """);

        assertThat(errors()).containsExactly(at("gateway.yml", 6) + ": routes[0].methods[0]: 'GE T' is not an HTTP method");
    }

    @Test
    void readsStripPrefixWithoutTrailingSlash() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: [/api/**]
                    upstream: a
                    strip-prefix: /api/
                """);

        assertThat(load().routes().get(0).rewrite()).isEqualTo(new RouteConfig.Rewrite("/api", ""));
    }

    @Test
    void readsReplacePrefix() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: [/api/**]
                    upstream: a
                    replace-prefix: {from: /api, to: /v2/}
                """);

        assertThat(load().routes().get(0).rewrite()).isEqualTo(new RouteConfig.Rewrite("/api", "/v2"));
    }

    @Test
    void rejectsStripAndReplacePrefixTogether() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: [/api/**]
                    upstream: a
                    strip-prefix: /api
                    replace-prefix: {from: /api, to: /v2}
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 5) + ": routes[0].replace-prefix: use strip-prefix or replace-prefix, not both");
    }

    @Test
    void rejectsPrefixThatIsNotNormalised() throws Exception {
        write("gateway.yml", UPSTREAM_A + """
                routes:
                  - id: r
                    paths: [/api/**]
                    upstream: a
                    strip-prefix: /api/../x
                """);

        assertThat(errors()).containsExactly(
                at("gateway.yml", 8) + ": routes[0].strip-prefix: a prefix must be a normalised path, found '/api/../x'");
    }

    @Test
    void readsPerAppLimitOverrides(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("gateway.yml");
        java.nio.file.Files.writeString(f, """
                apps:
                  - key: a
                    secrets: [s]
                    limits:
                      orders: { per-second: 10, burst: 20 }
                      search: { per-second: 5 }
                """);
        var app = new ConfigLoader(java.util.Map.<String, String>of()::get).load(f).apps().get(0);
        assertThat(app.limits()).containsEntry("orders", new dev.gateway.core.config.App.LimitOverride(10, 20))
                .containsEntry("search", new dev.gateway.core.config.App.LimitOverride(5, 5));
    }

    @Test
    void burstBelowRateIsAnError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("gateway.yml");
        java.nio.file.Files.writeString(f, """
                apps:
                  - key: a
                    secrets: [s]
                    limits:
                      orders:
                        per-second: 10
                        burst: 5
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> new ConfigLoader(java.util.Map.<String, String>of()::get).load(f))
                .hasMessageContaining("gateway.yml:7: apps[0].limits.orders.burst: 5 is below per-second 10");
    }
}
