package dev.gateway.filters.gray;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.route.Route;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.testing.TestRequests;
import dev.gateway.core.testing.TestServices;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gray filter compiled from YAML (real loader and compiler), applied to plain request contexts. */
class GrayFilterTest {
    @TempDir
    Path dir;

    private Snapshot snapshot;

    /** Compiles routes a (/a) and b (/b) on upstream stable, each with {@code gray} (indented under gray:). */
    private GatewayFilter compile(String gray) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                upstreams:
                  stable: { targets: ["http://127.0.0.1:9"] }
                  canary: { targets: ["http://127.0.0.1:10"] }
                routes:
                  - id: a
                    paths: [/a/**]
                    upstream: stable
                    filters:
                      gray:
                """ + gray.indent(8) + """
                  - id: b
                    paths: [/b/**]
                    upstream: stable
                    filters:
                      gray:
                """ + gray.indent(8));
        snapshot = new ConfigCompiler(TestServices.of(1)).compile(
                new ConfigLoader(Map.<String, String>of()::get, List.of(new GrayFilterFactory())).load(file));
        return filterOf("a");
    }

    private GatewayFilter filterOf(String route) {
        Route r = snapshot.routes().match("x", "GET", "/" + route + "/1");
        return r.filters()[0];
    }

    private List<String> errors(String gray) throws Exception {
        try {
            compile(gray);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private static RequestContext request(String query, String... headers) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        return new RequestContext("req-1", HttpMethod.GET, "/a/1", "/a/1", query, h, "a", null,
                TestRequests.LOCALHOST, TestRequests.LOOP, 0, "HTTP/1.1");
    }

    /** The variant {@code f} chose, checking that canary requests were routed to the canary group. */
    private String variant(GatewayFilter f, RequestContext ctx) {
        assertThat(f.apply(ctx).toCompletableFuture().join()).isSameAs(FilterResult.CONTINUE);
        if ("canary".equals(ctx.get(StandardAttrs.VARIANT))) {
            assertThat(ctx.get(StandardAttrs.UPSTREAM_OVERRIDE).name()).isEqualTo("canary");
        } else {
            assertThat(ctx.get(StandardAttrs.UPSTREAM_OVERRIDE)).isNull();
        }
        return ctx.get(StandardAttrs.VARIANT);
    }

    private String byUser(GatewayFilter f, String user) {
        return variant(f, request(null, "X-User-Id", user));
    }

    private static final String PERCENT = """
            upstream: canary
            rules:
              - percent: %s
                by: header:X-User-Id
            """;

    @Test
    void headerCookieAndQueryValuesPickTheCanary() throws Exception {
        GatewayFilter f = compile("""
                upstream: canary
                rules:
                  - header: X-Device-Id
                    values: [d-1001, d-1002]
                  - cookie: beta
                    values: ["yes"]
                  - query: gray
                    values: [on]
                """);
        assertThat(variant(f, request(null, "X-Device-Id", "d-1002"))).isEqualTo("canary");
        assertThat(variant(f, request(null, "X-Device-Id", "d-1003"))).isEqualTo("stable");
        assertThat(variant(f, request(null, "Cookie", "a=1; beta=yes; c=2"))).isEqualTo("canary");
        assertThat(variant(f, request(null, "Cookie", "notbeta=yes; beta=no"))).isEqualTo("stable");
        assertThat(variant(f, request("x=1&gray=on"))).isEqualTo("canary");
        assertThat(variant(f, request("grayish=on&gray=off"))).isEqualTo("stable");
        assertThat(variant(f, request(null))).isEqualTo("stable");
    }

    @Test
    void patternRuleMatchesHeaderValues() throws Exception {
        GatewayFilter f = compile("""
                upstream: canary
                rules:
                  - header: X-User-Id
                    pattern: "^qa-.*"
                """);
        assertThat(byUser(f, "qa-17")).isEqualTo("canary");
        assertThat(byUser(f, "user-qa-17")).isEqualTo("stable");
    }

    @Test
    void appTagRuleMatchesAppsWhoseGrayTagsIncludeIt() throws Exception {
        GatewayFilter f = compile("""
                upstream: canary
                rules:
                  - app-tag: beta
                """);
        RequestContext beta = request(null);
        beta.set(StandardAttrs.APP, new App("beta-app", List.of(new byte[] {1}), true, Set.of(), Set.of(), null,
                null, List.of("early", "beta")));
        RequestContext other = request(null);
        other.set(StandardAttrs.APP, new App("other-app", List.of(new byte[] {1}), true, Set.of(), Set.of(), null, null,
                List.of()));
        assertThat(variant(f, beta)).isEqualTo("canary");
        assertThat(variant(f, other)).isEqualTo("stable");
        assertThat(variant(f, request(null))).isEqualTo("stable");
    }

    @Test
    void valuesFileWithHundredThousandEntries() throws Exception {
        Files.write(dir.resolve("devices.txt"), IntStream.range(0, 100_000).mapToObj(i -> "d-" + i).toList());
        GatewayFilter f = compile("""
                upstream: canary
                rules:
                  - header: X-Device-Id
                    values-file: devices.txt
                """);
        assertThat(variant(f, request(null, "X-Device-Id", "d-0"))).isEqualTo("canary");
        assertThat(variant(f, request(null, "X-Device-Id", "d-99999"))).isEqualTo("canary");
        assertThat(variant(f, request(null, "X-Device-Id", "d-100000"))).isEqualTo("stable");
    }

    @Test
    void valuesFileIsASourceOfTheConfigurationVersion() throws Exception {
        Files.writeString(dir.resolve("devices.txt"), "d-1\n");
        String gray = """
                upstream: canary
                rules:
                  - header: X-Device-Id
                    values-file: devices.txt
                """;
        compile(gray);
        String before = snapshot.config().version();
        assertThat(snapshot.config().sources()).contains(dir.resolve("devices.txt"));
        Files.writeString(dir.resolve("devices.txt"), "d-2\n");
        GatewayFilter f = compile(gray);
        assertThat(snapshot.config().version()).isNotEqualTo(before);
        assertThat(variant(f, request(null, "X-Device-Id", "d-2"))).isEqualTo("canary");
    }

    @Test
    void percentShareIsWithinTwoPointsOverTenThousandKeys() throws Exception {
        for (int percent : new int[] {10, 50}) {
            GatewayFilter f = compile(PERCENT.formatted(percent));
            long canary = IntStream.range(0, 10_000).filter(i -> byUser(f, "user-" + i).equals("canary")).count();
            assertThat(canary).as("%d%%", percent).isBetween(percent * 100L - 200, percent * 100L + 200);
        }
    }

    @Test
    void sameKeyAlwaysLandsOnTheSameSideAndRoutesDrawIndependently() throws Exception {
        GatewayFilter a = compile(PERCENT.formatted(10));
        GatewayFilter again = compile(PERCENT.formatted(10)); // a recompile (a reload) of the same route
        GatewayFilter b = filterOf("b");
        Set<String> canaryA = canaries(a);
        assertThat(canaries(again)).isEqualTo(canaryA);
        assertThat(canaries(a)).isEqualTo(canaryA);
        Set<String> canaryB = canaries(b);
        canaryB.retainAll(canaryA);
        // Independent draws overlap by about 10% of 10%, not the whole 10%.
        assertThat(canaryB.size()).isLessThan(300);
    }

    private Set<String> canaries(GatewayFilter f) {
        return IntStream.range(0, 10_000).mapToObj(i -> "user-" + i).filter(u -> byUser(f, u).equals("canary"))
                .collect(Collectors.toSet());
    }

    @Test
    void raisingThePercentageOnlyMovesKeysFromStableToCanary() throws Exception {
        Set<String> at10 = canaries(compile(PERCENT.formatted(10)));
        Set<String> at30 = canaries(compile(PERCENT.formatted(30)));
        Set<String> at50 = canaries(compile(PERCENT.formatted(50)));
        assertThat(at30).containsAll(at10);
        assertThat(at50).containsAll(at30);
        assertThat(at10.size()).isLessThan(at30.size());
        assertThat(at30.size()).isLessThan(at50.size());
        assertThat(canaries(compile(PERCENT.formatted(0)))).isEmpty();
        assertThat(canaries(compile(PERCENT.formatted(100)))).hasSize(10_000);
    }

    @Test
    void requestsWithoutTheKeyFollowMissing() throws Exception {
        GatewayFilter toStable = compile(PERCENT.formatted(100));
        assertThat(variant(toStable, request(null))).isEqualTo("stable");
        GatewayFilter toCanary = compile("""
                upstream: canary
                rules:
                  - percent: 0
                    by: cookie:uid
                    missing: canary
                """);
        assertThat(variant(toCanary, request(null))).isEqualTo("canary");
        assertThat(variant(toCanary, request(null, "Cookie", "uid=7"))).isEqualTo("stable");
    }

    @Test
    void percentByIpAndByAppAreSticky() throws Exception {
        GatewayFilter byIp = compile("""
                upstream: canary
                rules:
                  - percent: 50
                    by: ip
                """);
        long canary = IntStream.range(0, 1000).filter(i -> {
            try {
                RequestContext ctx = new RequestContext("r", HttpMethod.GET, "/a/1", "/a/1", null,
                        new DefaultHttpHeaders(), "a", null, InetAddress.getByAddress(new byte[] {10, 0,
                        (byte) (i >> 8), (byte) i}), TestRequests.LOOP, 0, "HTTP/1.1");
                return variant(byIp, ctx).equals("canary");
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }).count();
        assertThat(canary).isBetween(400L, 600L);
        GatewayFilter byApp = compile("""
                upstream: canary
                rules:
                  - percent: 50
                    by: app
                    missing: canary
                """);
        RequestContext ctx = request(null);
        ctx.set(StandardAttrs.APP, new App("k", List.of(new byte[] {1}), true, Set.of(), Set.of(), null, null,
                List.of()));
        String first = variant(byApp, ctx);
        RequestContext again = request(null);
        again.set(StandardAttrs.APP, ctx.get(StandardAttrs.APP));
        assertThat(variant(byApp, again)).isEqualTo(first);
        assertThat(variant(byApp, request(null))).isEqualTo("canary");
    }

    @Test
    void responseHeaderNamesTheVariant() throws Exception {
        GatewayFilter f = compile("""
                upstream: canary
                rules:
                  - header: X-User-Id
                    values: [u1]
                response-header: X-Gray-Variant
                """);
        RequestContext ctx = request(null, "X-User-Id", "u1");
        variant(f, ctx);
        assertThat(ctx.responseHeadersAdded()).extracting(h -> h.name() + "=" + h.value())
                .containsExactly("X-Gray-Variant=canary");
    }

    @Test
    void configProblemsAreLocated() throws Exception {
        List<String> errors = errors("""
                upstream: nope
                rules:
                  - header: X-User-Id
                    pattern: "(unclosed"
                  - percent: 120
                    by: header:X-User-Id
                  - percent: 5
                    by: user
                    missing: maybe
                  - header: X-Device-Id
                    values-file: missing.txt
                  - header: X-A
                    cookie: b
                    values: [x]
                  - query: q
                """);
        String f = dir.resolve("gateway.yml").toString();
        String at = ": routes[0].filters.gray.rules";
        assertThat(errors).contains(
                f + ":13" + at + "[0].pattern: invalid regular expression: Unclosed group near index 9",
                f + ":14" + at + "[1].percent: 120 is out of range [0, 100]",
                f + ":17" + at + "[2].by: expected header:NAME, cookie:NAME, app or ip, found 'user'",
                f + ":18" + at + "[2].missing: expected one of [stable, canary], found 'maybe'",
                f + ":20" + at + "[3].values-file: cannot read 'missing.txt': java.nio.file.NoSuchFileException: "
                        + dir.resolve("missing.txt"),
                f + ":21" + at + "[4]: has exactly one of header, cookie, query, app-tag or percent, found "
                        + "header and cookie",
                f + ":24" + at + "[5]: needs one of values, values-file or pattern");
        // The canary upstream is checked when the filter is built, once the rules are valid.
        assertThat(errors("""
                upstream: nope
                rules:
                  - percent: 5
                    by: app
                """)).contains(f + ":9: routes[0].filters.gray.upstream: no upstream named 'nope'");
    }
}
