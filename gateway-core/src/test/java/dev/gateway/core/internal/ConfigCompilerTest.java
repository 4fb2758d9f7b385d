package dev.gateway.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.Binder;
import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.route.Route;
import dev.gateway.core.runtime.Services;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.UpstreamTerminal;
import dev.gateway.core.testing.TestServices;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCompilerTest {
    private static final String LOCAL = """
            upstreams:
              local:
                targets: [http://localhost:8081]
                max-connections-per-target: 10
                max-pending-requests: 8
            routes:
              - id: api
                paths: [/api/**]
                upstream: local
                strip-prefix: /api/
            """;

    private static final String TWO = """
            upstreams:
              two:
                targets: [http://127.0.0.1:8081, http://127.0.0.1:8082]
            """;

    @TempDir
    Path dir;

    private final Services services = TestServices.of(1);

    private GatewayConfig config(String yaml) throws IOException, ConfigException {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, yaml);
        return new ConfigLoader(Map.<String, String>of()::get).load(file);
    }

    /** The errors compiling {@code config} reports (failing the test if it compiles). */
    private List<String> errors(GatewayConfig config) {
        try {
            new ConfigCompiler(services).compile(config);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("the configuration compiled");
    }

    private Snapshot compile(String yaml, int loops) throws IOException, ConfigException {
        return new ConfigCompiler(TestServices.of(loops)).compile(config(yaml));
    }

    @Test
    void resolvesLocalhostTargetToLoopbackAddress() throws Exception {
        Target t = compile(LOCAL, 1).upstreams().get("local").targets().get(0);

        assertThat(t.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(t.address().getPort()).isEqualTo(8081);
    }

    @Test
    void givesTargetItsUrlHostHeaderAndWeight() throws Exception {
        Target t = compile(LOCAL, 1).upstreams().get("local").targets().get(0);

        assertThat(t).extracting(Target::url, x -> x.hostHeader().toString(), Target::weight)
                .containsExactly("http://localhost:8081", "localhost:8081", 1);
    }

    @Test
    void omitsDefaultPortFromTargetHostHeader() throws Exception {
        Target t = compile("""
                upstreams:
                  plain:
                    targets: [http://localhost]
                """, 1).upstreams().get("plain").targets().get(0);

        assertThat(t.hostHeader().toString()).isEqualTo("localhost");
    }

    @Test
    void bracketsIpv6TargetInHostHeader() throws Exception {
        Target t = compile("""
                upstreams:
                  v6:
                    targets: ["http://[::1]:8081"]
                """, 1).upstreams().get("v6").targets().get(0);

        assertThat(t.hostHeader().toString()).isEqualTo("[::1]:8081");
    }

    @Test
    void sharesEndpointsWithEarlierCompilationsOfTheSameAddress() throws Exception {
        ConfigCompiler compiler = new ConfigCompiler(services);
        List<Target> first = compiler.compile(config(TWO)).upstreams().get("two").targets();
        List<Target> second = compiler.compile(config(TWO.replace("8082", "8083"))).upstreams().get("two").targets();

        assertThat(second.get(0)).isNotSameAs(first.get(0));
        assertThat(second.get(0).endpoint()).isSameAs(first.get(0).endpoint());
        assertThat(second.get(1).endpoint()).isNotSameAs(first.get(1).endpoint());
    }

    @Test
    void keepsAGroupsBalancerPositionAcrossCompilations() throws Exception {
        ConfigCompiler compiler = new ConfigCompiler(services);
        Target picked = compiler.compile(config(TWO)).upstreams().get("two").pick();

        Target next = compiler.compile(config(TWO)).upstreams().get("two").pick();

        assertThat(next.endpoint()).isNotSameAs(picked.endpoint());
    }

    @Test
    void compilesRoutesIntoTheRouteTable() throws Exception {
        Snapshot c = compile(LOCAL, 1);

        Route r = c.routes().match("any.host", "GET", "/api/orders");

        assertThat(r.id()).isEqualTo("api");
        assertThat(r.terminal()).isInstanceOf(UpstreamTerminal.class);
        assertThat(((UpstreamTerminal) r.terminal()).group()).isSameAs(c.upstreams().get("local"));
        assertThat(r.filterTimeoutNanos()).isEqualTo(5_000_000_000L);
    }

    @Test
    void compilesRouteRewrite() throws Exception {
        Route r = compile(LOCAL, 1).routes().match(null, "GET", "/api/orders");

        assertThat(r.rewrite("/api/orders")).isEqualTo("/orders");
    }

    @Test
    void reportsUnresolvableTargetHostWithItsFileLineAndPath() throws Exception {
        GatewayConfig config = config("""
                upstreams:
                  x:
                    targets:
                      - http://no-such-host.invalid:8080
                """);

        assertThat(errors(config)).containsExactly(dir.resolve("gateway.yml")
                + ":4: upstreams.x.targets[0]: cannot resolve host 'no-such-host.invalid'");
    }

    @Test
    void reportsEveryUnresolvableTarget() throws Exception {
        GatewayConfig config = config("""
                upstreams:
                  x:
                    targets:
                      - http://localhost:8080
                      - url: http://no-such-host.invalid:8080
                        weight: 2
                  y:
                    targets: [http://other-missing-host.invalid]
                """);

        assertThat(errors(config)).containsExactlyInAnyOrder(
                dir.resolve("gateway.yml") + ":5: upstreams.x.targets[1].url: cannot resolve host 'no-such-host.invalid'",
                dir.resolve("gateway.yml") + ":8: upstreams.y.targets[0]: cannot resolve host 'other-missing-host.invalid'");
    }

    @Test
    void dividesPerTargetLimitsAmongLoopsRoundingUp() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL, 3).upstreams().get("local").pool();

        assertThat(pool.maxConnectionsPerLoop()).isEqualTo(4); // ceil(10 / 3)
        assertThat(pool.maxPendingPerLoop()).isEqualTo(3);     // ceil(8 / 3)
    }

    @Test
    void dividesPerTargetLimitsExactlyWhenLoopsDivideThem() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL, 2).upstreams().get("local").pool();

        assertThat(pool.maxConnectionsPerLoop()).isEqualTo(5);
        assertThat(pool.maxPendingPerLoop()).isEqualTo(4);
    }

    @Test
    void keepsAtLeastOneConnectionPerLoopWhenLoopsOutnumberTheLimit() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL, 16).upstreams().get("local").pool();

        assertThat(pool.maxConnectionsPerLoop()).isEqualTo(1);
    }

    @Test
    void treatsZeroLoopsAsOne() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL, 0).upstreams().get("local").pool();

        assertThat(pool.maxConnectionsPerLoop()).isEqualTo(10);
    }

    @Test
    void keepsZeroPendingRequestsAtZero() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL.replace("max-pending-requests: 8", "max-pending-requests: 0"),
                4).upstreams().get("local").pool();

        assertThat(pool.maxPendingPerLoop()).isZero();
    }

    @Test
    void convertsTimeoutsForThePool() throws Exception {
        UpstreamGroup.PoolSettings pool = compile(LOCAL.replace("max-pending-requests: 8",
                "max-pending-requests: 8\n    connect-timeout: 750ms\n    idle-timeout: 5s"), 1)
                .upstreams().get("local").pool();

        assertThat(pool.connectTimeoutMillis()).isEqualTo(750);
        assertThat(pool.idleTimeoutNanos()).isEqualTo(5_000_000_000L);
    }

    @Test
    void preservesClientHostWhenUpstreamAsksForIt() throws Exception {
        UpstreamGroup g = compile(LOCAL.replace("max-pending-requests: 8", "max-pending-requests: 8\n    host-header: client"),
                1).upstreams().get("local");

        assertThat(g.preserveClientHost()).isTrue();
    }

    /** A filter that names another upstream group, checked when it is compiled (as a gray rule's canary is). */
    private static final class RouteToFactory implements FilterFactory<RouteToFactory.RouteTo> {
        record RouteTo(@Binder.Required String upstream) {}

        @Override
        public String name() {
            return "route-to";
        }

        @Override
        public Class<RouteTo> configType() {
            return RouteTo.class;
        }

        @Override
        public GatewayFilter create(FilterContext context, RouteTo config) {
            UpstreamGroup group = context.upstream(config.upstream());
            if (group == null) {
                context.problem("upstream", "no upstream named '" + config.upstream() + "' in this configuration");
            }
            return ctx -> {
                ctx.set(StandardAttrs.UPSTREAM_OVERRIDE, group);
                return FilterResult.proceed();
            };
        }
    }

    /** LOCAL plus a route whose route-to filter names {@code upstream}. */
    private GatewayConfig routeTo(String upstream) throws IOException, ConfigException {
        Files.writeString(dir.resolve("gateway.yml"), LOCAL + """
                  - id: canary
                    paths: [/canary/**]
                    upstream: local
                    filters:
                      route-to: { upstream: %s }
                """.formatted(upstream));
        return new ConfigLoader(Map.<String, String>of()::get, List.of(new RouteToFactory()))
                .load(dir.resolve("gateway.yml"));
    }

    @Test
    void aFactorySeesTheWholeConfigurationAndItsProblemsRejectIt() throws Exception {
        GatewayConfig config = routeTo("elsewhere");

        assertThat(errors(config)).containsExactly(dir.resolve("gateway.yml")
                + ":15: routes[1].filters.route-to.upstream: no upstream named 'elsewhere' in this configuration");
    }

    @Test
    void aFactoryResolvesTheUpstreamItNamesFromTheSameCompilation() throws Exception {
        GatewayConfig config = routeTo("local");

        Snapshot s = new ConfigCompiler(services).compile(config);

        assertThat(s.routes().match(null, "GET", "/canary/x").filters()).hasSize(1);
    }
}
