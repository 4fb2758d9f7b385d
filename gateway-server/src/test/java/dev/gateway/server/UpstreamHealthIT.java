package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.server.reload.ReloadResult;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.Promtool;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Target health against real upstreams: outlier ejection and its end, a circuit breaker opening (503
 * upstream_circuit_open), half-opening and closing, active checks marking targets unhealthy and healthy, 503
 * no_healthy_upstream and panic mode, the fallback upstream and the fixed fallback response, breaker state across
 * reloads, GET /admin/upstreams and the gauges in /metrics.
 */
class UpstreamHealthIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

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

    /**
     * An upstream answering {@code status} (changeable), and its /health with {@code health} (changeable; negative:
     * never answers, so the check times out).
     */
    private static final class Backend {
        final AtomicInteger status = new AtomicInteger(200);
        final AtomicInteger health = new AtomicInteger(200);
        final AtomicInteger served = new AtomicInteger();
        final TestUpstream server;

        Backend(String name) {
            server = TestUpstream.start(name, (ctx, r, up) -> {
                if (r.uri().equals("/health")) {
                    if (health.get() > 0) {
                        up.sendText(ctx, r, health.get(), "{}");
                    }
                } else {
                    served.incrementAndGet();
                    up.sendText(ctx, r, status.get(), "{\"upstream\":\"" + name + "\"}");
                }
            });
        }

        String url() {
            return server.url();
        }
    }

    private Backend backend(String name) {
        Backend b = new Backend(name);
        closing.add(b.server);
        return b;
    }

    private Path config(String upstreamsAndRoutes) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, Gateways.yaml(null, upstreamsAndRoutes));
        return file;
    }

    private RawHttp.Response get(String path) throws Exception {
        return RawHttp.exchange(gateway.port(), "GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    }

    private String admin(String path) throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.adminPort(),
                "GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        return r.text();
    }

    private JsonNode target(String upstream, Backend b) throws Exception {
        for (JsonNode t : JSON.readTree(admin("/admin/upstreams")).path("upstreams").path(upstream).path("targets")) {
            if (t.path("target").asText().equals(b.url())) {
                return t;
            }
        }
        throw new AssertionError("no target " + b.url() + " in upstream " + upstream);
    }

    private static String upstreamOf(RawHttp.Response r) {
        return r.header("x-upstream");
    }

    @Test
    void aFailingTargetIsEjectedAfterTheThresholdAndGetsTrafficBackAfterTheEjection() throws Exception {
        Backend a = backend("a");
        Backend b = backend("b");
        b.status.set(500);
        gateway = Gateways.start(config("upstreams:\n  svc:\n    targets: [\"" + a.url() + "\", \"" + b.url()
                + "\"]\n    outlier-detection: {consecutive-failures: 3, base-ejection: 1s, max-ejected: 50%}\n"
                + "routes:\n  - { id: svc, paths: [\"/svc/**\"], upstream: svc }\n"), Map.of());

        int errors = 0;
        for (int i = 0; i < 30; i++) {
            if (get("/svc/x").status() != 200) {
                errors++;
            }
        }

        assertThat(errors).as("client-visible errors: the consecutive-failures threshold").isEqualTo(3);
        assertThat(b.served.get()).isEqualTo(3);
        assertThat(target("svc", b).path("health").asText()).isEqualTo("ejected");
        b.status.set(200);
        Await.until(WAIT, "the ejected target serves again", () -> {
            try {
                return "b".equals(upstreamOf(get("/svc/x")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(target("svc", b).path("health").asText()).isEqualTo("healthy");
    }

    @Test
    void anOpenBreakerAnswers503AtOnceSurvivesAnUnchangedReloadAndClosesAfterASuccessfulProbe() throws Exception {
        Backend c = backend("c");
        c.status.set(500);
        String upstreams = "upstreams:\n  one:\n    targets: [\"" + c.url() + "\"]\n"
                + "    circuit-breaker: {failure-rate: 50%, window: 4, min-calls: 4, open-for: 2s, half-open-calls: 1}\n";
        String routes = "routes:\n  - { id: one, paths: [\"/one/**\"], upstream: one }\n";
        Path file = config(upstreams + routes);
        gateway = Gateways.start(file, Map.of());

        for (int i = 0; i < 4; i++) {
            assertThat(get("/one/x").status()).isEqualTo(500);
        }
        for (int i = 0; i < 10; i++) {
            RawHttp.Response r = get("/one/x");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).contains("\"error\":\"upstream_circuit_open\"");
        }
        assertThat(c.served.get()).as("nothing reached the target while open").isEqualTo(4);
        JsonNode t = target("one", c);
        assertThat(t.path("circuit_breaker").path("state").asText()).isEqualTo("open");
        assertThat(t.path("outstanding").asInt()).isZero();
        String metrics = admin("/metrics");
        assertThat(metrics).contains("gateway_circuit_breaker_state{target=\"" + c.url() + "\",upstream=\"one\"} 1.0");

        // A reload that does not change the upstream keeps the breaker open.
        Files.writeString(file, Gateways.yaml(null, upstreams + routes
                + "  - { id: other, paths: [\"/other/**\"], upstream: one }\n"));
        assertThat(gateway.reloader().reload("test").get(10, TimeUnit.SECONDS).outcome())
                .isEqualTo(ReloadResult.Outcome.APPLIED);
        assertThat(target("one", c).path("circuit_breaker").path("state").asText()).isEqualTo("open");
        assertThat(get("/other/x").text()).contains("upstream_circuit_open");

        c.status.set(200);
        Await.until(WAIT, "a probe closes the breaker", () -> {
            try {
                return get("/one/x").status() == 200;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(target("one", c).path("circuit_breaker").path("state").asText()).isEqualTo("closed");
        assertThat(admin("/metrics"))
                .contains("gateway_circuit_breaker_state{target=\"" + c.url() + "\",upstream=\"one\"} 0.0");
        Promtool.assertClean(metrics, dir); // last: it skips the rest where promtool is not installed
    }

    @Test
    void aReloadThatChangesTheBreakerStartsItOver() throws Exception {
        Backend c = backend("c");
        c.status.set(500);
        String routes = "routes:\n  - { id: one, paths: [\"/one/**\"], upstream: one }\n";
        Path file = config("upstreams:\n  one:\n    targets: [\"" + c.url() + "\"]\n"
                + "    circuit-breaker: {window: 4, min-calls: 4, open-for: 30s}\n" + routes);
        gateway = Gateways.start(file, Map.of());
        for (int i = 0; i < 5; i++) {
            get("/one/x");
        }
        assertThat(target("one", c).path("circuit_breaker").path("state").asText()).isEqualTo("open");

        Files.writeString(file, Gateways.yaml(null, "upstreams:\n  one:\n    targets: [\"" + c.url() + "\"]\n"
                + "    circuit-breaker: {window: 4, min-calls: 4, open-for: 20s}\n" + routes));
        assertThat(gateway.reloader().reload("test").get(10, TimeUnit.SECONDS).outcome())
                .isEqualTo(ReloadResult.Outcome.APPLIED);

        assertThat(target("one", c).path("circuit_breaker").path("state").asText()).isEqualTo("closed");
        assertThat(get("/one/x").status()).isEqualTo(500);
    }

    @Test
    void aRoutesOwnBreakerOpensOverItsUpstreamsFailures() throws Exception {
        Backend c = backend("c");
        c.status.set(502);
        gateway = Gateways.start(config("upstreams:\n  plain:\n    targets: [\"" + c.url() + "\"]\n"
                + "routes:\n  - id: guarded\n    paths: [\"/g/**\"]\n    upstream: plain\n"
                + "    circuit-breaker: {window: 4, min-calls: 4, open-for: 30s}\n"
                + "  - { id: free, paths: [\"/f/**\"], upstream: plain }\n"), Map.of());
        for (int i = 0; i < 4; i++) {
            assertThat(get("/g/x").status()).isEqualTo(502);
        }

        RawHttp.Response r = get("/g/x");

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.text()).contains("\"error\":\"upstream_circuit_open\"");
        assertThat(get("/f/x").status()).as("other routes to the upstream are not affected").isEqualTo(502);
        assertThat(c.served.get()).isEqualTo(5);
        assertThat(JSON.readTree(admin("/admin/upstreams")).path("routes").path("guarded").path("circuit_breaker")
                .path("state").asText()).isEqualTo("open");
        assertThat(admin("/metrics")).contains("gateway_route_circuit_breaker_state{route=\"guarded\"} 1.0");
    }

    @Test
    void activeChecksTakeAnUnhealthyTargetOutAndPutItBack() throws Exception {
        Backend d = backend("d");
        Backend e = backend("e");
        e.health.set(503);
        gateway = Gateways.start(config("upstreams:\n  act:\n    targets: [\"" + d.url() + "\", \"" + e.url()
                + "\"]\n    health-check: {path: /health, interval: 200ms, timeout: 150ms, healthy: 1, unhealthy: 2}\n"
                + "routes:\n  - { id: act, paths: [\"/act/**\"], upstream: act }\n"), Map.of());

        Await.until(WAIT, "e is unhealthy", () -> health("act", e).equals("unhealthy"));
        int before = e.served.get();
        for (int i = 0; i < 20; i++) {
            RawHttp.Response r = get("/act/x");
            assertThat(r.status()).isEqualTo(200);
            assertThat(upstreamOf(r)).isEqualTo("d");
        }
        assertThat(e.served.get()).isEqualTo(before);
        assertThat(admin("/metrics")).contains("gateway_upstream_healthy{target=\"" + e.url() + "\",upstream=\"act\"} 0.0");

        e.health.set(200);
        Await.until(WAIT, "e is healthy again", () -> health("act", e).equals("healthy"));
        Await.until(WAIT, "e serves again", () -> {
            try {
                return "e".equals(upstreamOf(get("/act/x")));
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
    }

    private String health(String upstream, Backend b) {
        try {
            return target(upstream, b).path("health").asText();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    @Test
    void everyTargetUnhealthyIs503OrPanicOrTheFallbacks() throws Exception {
        Backend f = backend("f");
        Backend dr = backend("dr");
        f.health.set(-1); // hangs: every check times out
        String check = "    health-check: {path: /health, interval: 200ms, timeout: 150ms, healthy: 1, unhealthy: 1}\n";
        String target = "    targets: [\"" + f.url() + "\"]\n";
        gateway = Gateways.start(config("upstreams:\n"
                + "  sick:\n" + target + check
                + "  brave:\n" + target + check + "    panic: true\n"
                + "  primary:\n" + target + check + "    fallback: {upstream: dr}\n"
                + "  dr:\n    targets: [\"" + dr.url() + "\"]\n"
                + "  fixed:\n" + target + check
                + "    fallback: {status: 200, headers: {Content-Type: application/json}, body: '{\"fallback\":true}'}\n"
                + "routes:\n"
                + "  - { id: sick, paths: [\"/sick/**\"], upstream: sick }\n"
                + "  - { id: brave, paths: [\"/brave/**\"], upstream: brave }\n"
                + "  - { id: primary, paths: [\"/primary/**\"], upstream: primary }\n"
                + "  - { id: fixed, paths: [\"/fixed/**\"], upstream: fixed }\n"), Map.of());
        for (String u : List.of("sick", "brave", "primary", "fixed")) {
            Await.until(WAIT, u + " is unhealthy", () -> health(u, f).equals("unhealthy"));
        }

        RawHttp.Response sick = get("/sick/x");
        assertThat(sick.status()).isEqualTo(503);
        assertThat(sick.text()).contains("\"error\":\"no_healthy_upstream\"");
        RawHttp.Response brave = get("/brave/x");
        assertThat(brave.status()).isEqualTo(200);
        assertThat(upstreamOf(brave)).isEqualTo("f");
        RawHttp.Response primary = get("/primary/x");
        assertThat(primary.status()).isEqualTo(200);
        assertThat(upstreamOf(primary)).isEqualTo("dr");
        RawHttp.Response fixed = get("/fixed/x");
        assertThat(fixed.status()).isEqualTo(200);
        assertThat(fixed.text()).isEqualTo("{\"fallback\":true}");
        JsonNode upstreams = JSON.readTree(admin("/admin/upstreams")).path("upstreams");
        assertThat(upstreams.path("primary").path("fallback").path("upstream").asText()).isEqualTo("dr");
        assertThat(upstreams.path("brave").path("panic").asBoolean()).isTrue();
        assertThat(upstreams.path("dr").path("targets").get(0).path("health").asText()).isEqualTo("healthy");
    }
}
