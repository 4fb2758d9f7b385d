package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.reload.ReloadResult;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.ProtocolUpstream;
import dev.gateway.server.support.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code https://} targets against real TLS servers with certificates made here: verification against {@code tls.ca},
 * each way a certificate can be wrong (502 {@code upstream_tls_error}, counted, never a cleartext fallback),
 * {@code verify: false}, the SNI name the server saw, a client certificate the server requires, and h2 by ALPN.
 */
class UpstreamTlsIT {
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final List<ProtocolUpstream> servers = new ArrayList<>();
    static TestPki pki;
    static TestPki stranger;
    static ProtocolUpstream good;
    static ProtocolUpstream untrusted;
    static ProtocolUpstream expired;
    static ProtocolUpstream named;
    static ProtocolUpstream mutual;
    static ProtocolUpstream h2;
    static ProtocolUpstream h1Only;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.ca("gateway test CA");
        stranger = TestPki.ca("some other CA");
        Path dir = Files.createTempDirectory("upstream-tls");
        pki.writeCa(dir, "ca.pem");
        TestPki.write(pki.client("gateway-client"), dir, "client");

        ProtocolUpstream.Behavior hello = (ctx, r, up) -> up.respond(ctx, 200,
                "hello over " + up.mode() + " to " + r.path() + " host " + hostOf(r), null);
        good = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server("127.0.0.1"), null), hello));
        untrusted = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(stranger.server("127.0.0.1"), null),
                hello));
        expired = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server(
                Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)), "127.0.0.1"),
                null), hello));
        named = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server("api.internal.test"), null), hello));
        X509Bundle clientCa = pki.bundle();
        mutual = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server("127.0.0.1"), clientCa), hello));
        h2 = serve(ProtocolUpstream.h2Tls(new ProtocolUpstream.Tls(pki.server("127.0.0.1"), null), hello));
        h1Only = serve(ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server("127.0.0.1"), null), hello));

        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  good: { targets: ["https://127.0.0.1:${GOOD}"], tls: {ca: "${DIR}/ca.pem"} }
                  untrusted: { targets: ["https://127.0.0.1:${UNTRUSTED}"], tls: {ca: "${DIR}/ca.pem"} }
                  expired: { targets: ["https://127.0.0.1:${EXPIRED}"], tls: {ca: "${DIR}/ca.pem"} }
                  system-cas: { targets: ["https://127.0.0.1:${GOOD}"] }
                  unchecked: { targets: ["https://127.0.0.1:${UNTRUSTED}"], tls: {verify: false} }
                  sni: { targets: ["https://127.0.0.1:${NAMED}"], tls: {ca: "${DIR}/ca.pem", sni: api.internal.test} }
                  wrong-name: { targets: ["https://127.0.0.1:${NAMED}"], tls: {ca: "${DIR}/ca.pem", sni: other.internal.test} }
                  mutual:
                    targets: ["https://127.0.0.1:${MUTUAL}"]
                    tls: {ca: "${DIR}/ca.pem", client-cert: "${DIR}/client.pem", client-key: "${DIR}/client.key"}
                  h2: { targets: ["https://127.0.0.1:${H2}"], protocol: h2, tls: {ca: "${DIR}/ca.pem"} }
                  h2-to-h1: { targets: ["https://127.0.0.1:${H1ONLY}"], protocol: h2, tls: {ca: "${DIR}/ca.pem"} }
                routes:
                  - {id: good, paths: [/good/**], upstream: good}
                  - {id: untrusted, paths: [/untrusted/**], upstream: untrusted}
                  - {id: expired, paths: [/expired/**], upstream: expired}
                  - {id: system-cas, paths: [/system-cas/**], upstream: system-cas}
                  - {id: unchecked, paths: [/unchecked/**], upstream: unchecked}
                  - {id: sni, paths: [/sni/**], upstream: sni}
                  - {id: wrong-name, paths: [/wrong-name/**], upstream: wrong-name}
                  - {id: mutual, paths: [/mutual/**], upstream: mutual}
                  - {id: h2, paths: [/h2/**], upstream: h2}
                  - {id: h2-to-h1, paths: [/h2-to-h1/**], upstream: h2-to-h1}
                """), Map.of("DIR", dir.toString(), "GOOD", port(good), "UNTRUSTED", port(untrusted),
                "EXPIRED", port(expired), "NAMED", port(named), "MUTUAL", port(mutual), "H2", port(h2),
                "H1ONLY", port(h1Only)));
    }

    private static ProtocolUpstream serve(ProtocolUpstream u) {
        servers.add(u);
        return u;
    }

    private static String port(ProtocolUpstream u) {
        return Integer.toString(u.port());
    }

    private static String hostOf(ProtocolUpstream.Request r) {
        String h = r.header("host");
        return h != null ? h : String.valueOf(r.headers().authority());
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        servers.forEach(ProtocolUpstream::close);
    }

    static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void httpsTargetVerifiedAgainstTheConfiguredCaIsProxied() throws Exception {
        HttpResponse<String> r = get("/good/a?x=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello over H1_TLS to /good/a?x=1 host 127.0.0.1:" + good.port());
        // Kept alive: a second request reuses the TLS connection.
        assertThat(get("/good/b").statusCode()).isEqualTo(200);
        assertThat(good.connections()).isEqualTo(1);
    }

    @Test
    void certificateOfAnotherCaIsRefusedWith502UpstreamTlsError() throws Exception {
        assertTlsError(get("/untrusted/x"));
        assertThat(untrusted.received()).as("nothing reaches the upstream, in TLS or in clear")
                .noneMatch(r -> r.path().startsWith("/untrusted"));
        // The failure is counted per target.
        String metrics = Await.value(Duration.ofSeconds(10), "the tls_error count", () -> {
            String m = scrape();
            return m.contains("outcome=\"tls_error\",target=\"https://127.0.0.1:" + untrusted.port()) ? m : null;
        });
        assertThat(metrics).contains("gateway_upstream_request_seconds_count{outcome=\"tls_error\",target=\"https://"
                + "127.0.0.1:" + untrusted.port() + "\",upstream=\"untrusted\"}");
    }

    @Test
    void serverCertificateNotIssuedByASystemCaIsRefusedWithoutTlsCa() throws Exception {
        assertTlsError(get("/system-cas/x"));
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        assertTlsError(get("/expired/x"));
        assertThat(expired.received()).isEmpty();
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        assertTlsError(get("/wrong-name/x"));
        assertThat(named.sniNames()).as("the SNI name sent is the one verified").contains("other.internal.test");
    }

    @Test
    void verifyFalseAcceptsAnyCertificate() throws Exception {
        HttpResponse<String> r = get("/unchecked/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("hello over H1_TLS to /unchecked/x");
    }

    @Test
    void sniNameReachesTheUpstreamAndIsTheNameVerified() throws Exception {
        HttpResponse<String> r = get("/sni/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(named.sniNames()).contains("api.internal.test");
    }

    @Test
    void clientCertificateIsPresentedToAServerThatRequiresOne() throws Exception {
        HttpResponse<String> r = get("/mutual/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(mutual.clientSubjects()).containsExactly("CN=gateway-client");
    }

    @Test
    void h2IsNegotiatedByAlpnOverTls() throws Exception {
        HttpResponse<String> r = get("/h2/x");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello over H2_TLS to /h2/x host 127.0.0.1:" + h2.port());
        assertThat(h2.protocols()).containsExactly("h2");
    }

    @Test
    void h2ToAServerThatDoesNotAgreeToH2IsATlsErrorNotAFallback() throws Exception {
        assertTlsError(get("/h2-to-h1/x"));
        assertThat(h1Only.received()).isEmpty();
    }

    @Test
    void aChangedCaIsANewEndpointWhoseCertificatesAreCheckedAgainstIt() throws Exception {
        Path dir = Files.createTempDirectory("upstream-tls-reload");
        pki.writeCa(dir, "ca.pem");
        try (ProtocolUpstream up = ProtocolUpstream.h1Tls(new ProtocolUpstream.Tls(pki.server("127.0.0.1"), null),
                ProtocolUpstream.text(200, "ok"));
                GatewayServer gw = Gateways.start(Gateways.yaml("", """
                        upstreams:
                          up: { targets: ["https://127.0.0.1:${PORT}"], tls: {ca: "${DIR}/ca.pem"} }
                        routes:
                          - {id: up, paths: [/**], upstream: up}
                        """), Map.of("PORT", Integer.toString(up.port()), "DIR", dir.toString()))) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/x"))
                    .timeout(Duration.ofSeconds(20)).build();
            assertThat(client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            // Another CA in the same file: the reload makes a new endpoint, so the warm connection verified against
            // the old CA is not used, and the upstream's certificate is now refused.
            stranger.writeCa(dir, "ca.pem");
            // (The CA file is a source of the configuration: the file watcher may have reloaded it already.)
            assertThat(gw.reloader().reload("test").join().outcome())
                    .isIn(ReloadResult.Outcome.APPLIED, ReloadResult.Outcome.UNCHANGED);
            Await.until(Duration.ofSeconds(10), "the new CA in force", () -> sendQuietly(req).statusCode() == 502);
            assertTlsError(client.send(req, HttpResponse.BodyHandlers.ofString()));
            assertThat(up.received()).as("only the request before the reload reached the upstream").hasSize(1);
        }
    }

    private static HttpResponse<String> sendQuietly(HttpRequest req) {
        try {
            return client.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertTlsError(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"error\":\"upstream_tls_error\"");
    }

    private static String scrape() {
        try {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
