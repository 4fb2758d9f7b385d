package dev.gateway.server.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.testing.Needs;
import dev.gateway.server.GatewayServer;
import dev.gateway.server.reload.ReloadResult;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.TestUpstream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The TLS listener with real handshakes: certificates made in the test, the JDK's TLS client, curl and raw sockets.
 * One shared gateway (two certificates, optional mTLS, redirect-to-https) serves most tests; strict-sni with required
 * mTLS, and reloads, get their own.
 */
class TlsIT {
    private static Path shared;
    private static X509Bundle root;
    private static X509Bundle clientCa;
    private static X509Bundle client;
    private static TestUpstream upstream;
    private static GatewayServer gateway;
    private static int tlsPort;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        shared = Files.createTempDirectory("tls-it");
        root = TlsMaterial.root("test root");
        X509Bundle inter = TlsMaterial.intermediate(root);
        TlsMaterial.write(shared.resolve("certs"), "api",
                TlsMaterial.server("api.example", "api.example").rsa2048().buildIssuedBy(inter));
        TlsMaterial.write(shared.resolve("certs"), "other",
                TlsMaterial.server("*.other.example", "other.example").ecp256().buildIssuedBy(root));
        clientCa = TlsMaterial.root("client ca");
        client = new io.netty.pkitesting.CertificateBuilder().subject("CN=partner-a").ecp256()
                .notBefore(Instant.now().minusSeconds(3600)).addSanDnsName("partner-a.example")
                .addSanUriName("spiffe://example/partner-a").buildIssuedBy(clientCa);
        Files.writeString(shared.resolve("certs/clients.pem"), clientCa.getCertificatePEM());
        upstream = TestUpstream.echo("echo");
        tlsPort = GatewayProcess.freePorts(1)[0];
        Path file = shared.resolve("gateway.yml");
        Files.writeString(file, """
                server:
                  listen: 127.0.0.1:0
                  io-threads: 2
                  redirect-to-https: true
                  tls:
                    listen: 127.0.0.1:%d
                    certificates:
                      - {cert: certs/api.pem, key: certs/api.key}
                      - {cert: certs/other.pem, key: certs/other.key, hosts: ["*.other.example"]}
                    client-auth: {mode: optional, ca: certs/clients.pem}
                    forward-client-cert: sanitize-set
                    handshake-timeout: 1s
                admin:
                  listen: 127.0.0.1:0
                reload:
                  watch: false
                upstreams:
                  echo: {targets: ["%s"]}
                routes:
                  - {id: svc, paths: [/svc/**], upstream: echo}
                """.formatted(tlsPort, upstream.url()));
        gateway = new GatewayServer(file, name -> null).start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static double handshakes(GatewayServer g, String result) {
        Counter c = g.metrics().registry().find("gateway.tls.handshakes").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void sniPicksTheExactTheWildcardAndWithoutANameTheFirstCertificate() throws Exception {
        try (SSLSocket exact = TlsMaterial.connect(root, null, tlsPort, "api.example");
                SSLSocket wild = TlsMaterial.connect(root, null, tlsPort, "x.other.example");
                SSLSocket none = TlsMaterial.connect(root, null, tlsPort, null)) {
            assertThat(TlsMaterial.peer(exact).getSubjectX500Principal().getName()).isEqualTo("CN=api.example");
            assertThat(TlsMaterial.peer(exact).getPublicKey()).isInstanceOf(RSAPublicKey.class);
            assertThat(exact.getSession().getPeerCertificates()).hasSizeGreaterThanOrEqualTo(2); // with intermediate
            assertThat(TlsMaterial.peer(wild).getSubjectX500Principal().getName()).isEqualTo("CN=*.other.example");
            assertThat(TlsMaterial.peer(wild).getPublicKey()).isInstanceOf(ECPublicKey.class);
            assertThat(TlsMaterial.peer(none).getSubjectX500Principal().getName()).isEqualTo("CN=api.example");
        }
    }

    @Test
    void requestsOverTlsReachTheUpstreamAsHttpsWithTheTlsPort() throws Exception {
        try (SSLSocket s = TlsMaterial.connect(root, null, tlsPort, "api.example")) {
            String r1 = TlsMaterial.get(s, "api.example", "/svc/one", "X-Forwarded-Client-Cert: Hash=forged");
            String r2 = TlsMaterial.get(s, "api.example", "/svc/two"); // the same keep-alive connection

            assertThat(r1).startsWith("HTTP/1.1 200");
            assertThat(r2).startsWith("HTTP/1.1 200").contains("/svc/two");
            TestUpstream.Received first = upstream.received().stream()
                    .filter(r -> r.uri().equals("/svc/one")).findFirst().orElseThrow();
            assertThat(first.headers().get("x-forwarded-proto")).isEqualTo("https");
            assertThat(first.headers().get("x-forwarded-port")).isEqualTo(Integer.toString(tlsPort));
            assertThat(first.headers().contains("x-forwarded-client-cert")).isFalse(); // no client certificate
        }
    }

    @Test
    void aVerifiedClientCertificateReachesTheUpstreamAsXfccAndAForgedOneDoesNot() throws Exception {
        try (SSLSocket s = TlsMaterial.connect(root, client, tlsPort, "api.example")) {
            String r = TlsMaterial.get(s, "api.example", "/svc/mtls", "X-Forwarded-Client-Cert: Hash=forged");

            assertThat(r).startsWith("HTTP/1.1 200");
            TestUpstream.Received got = upstream.received().stream()
                    .filter(x -> x.uri().equals("/svc/mtls")).findFirst().orElseThrow();
            String xfcc = got.headers().get("x-forwarded-client-cert");
            assertThat(xfcc).startsWith("Hash=" + sha256(client)).contains(";Subject=\"CN=partner-a\"")
                    .contains(";URI=spiffe://example/partner-a").contains(";DNS=partner-a.example")
                    .doesNotContain("forged");
        }
    }

    private static String sha256(X509Bundle b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(b.getCertificate().getEncoded()));
    }

    @Test
    void plainHttpOnTheTlsPortGets400AndTheConnectionCloses() throws Exception {
        double before = handshakes(gateway, "plaintext");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /svc/x HTTP/1.1\r\nHost: api.example\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));

            String answer = TlsMaterial.readToEnd(s); // returns at the server's close

            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request")
                    .contains("The plain HTTP request was sent to HTTPS port");
        }
        Await.until(Duration.ofSeconds(5), "the plaintext handshake is counted",
                () -> handshakes(gateway, "plaintext") > before);
    }

    @Test
    void aHandshakeThatNeverFinishesIsClosedAtTheHandshakeTimeout() throws Exception {
        double before = handshakes(gateway, "timeout");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", tlsPort), 5000);
            s.setSoTimeout(10_000); // far above handshake-timeout: 1s; a read timeout here fails the test
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // a record header, cut short

            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        Await.until(Duration.ofSeconds(5), "the timeout is counted", () -> handshakes(gateway, "timeout") > before);
    }

    @Test
    void aTlsClientHelloOnTheCleartextPortGets400AndTheConnectionCloses() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
            s.setSoTimeout(10_000);
            // The start of a ClientHello: a handshake record header, then a little of the message.
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03});

            assertThat(TlsMaterial.readToEnd(s)).startsWith("HTTP/1.1 400 Bad Request").contains("tls_to_http_port");
        }
    }

    @Test
    void cleartextGetIsRedirectedToHttpsAndPostIsRefused() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5000);
            s.setSoTimeout(10_000);

            String get = TlsMaterial.get(s, "api.example:" + gateway.port(), "/svc/a?b=1");
            String post = TlsMaterial.send(s, "POST /svc/a HTTP/1.1\r\nHost: api.example\r\n"
                    + "Content-Length: 1\r\n\r\nx");

            assertThat(get).startsWith("HTTP/1.1 308")
                    .containsIgnoringCase("location: https://api.example:" + tlsPort + "/svc/a?b=1\r\n");
            assertThat(post).startsWith("HTTP/1.1 403").contains("\"error\":\"https_required\"");
        }
    }

    @Test
    void curlWithTheCaFileGetsAResponseOverHttps() throws Exception {
        Needs.require(new ProcessBuilder("curl", "--version").start().waitFor() == 0, () -> "curl is not installed");
        Path ca = shared.resolve("root.pem");
        Files.writeString(ca, root.getRootCertificatePEM());
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "10", "--cacert", ca.toString(),
                "--resolve", "api.example:" + tlsPort + ":127.0.0.1", "-w", "\n%{http_code} %{ssl_verify_result}",
                "https://api.example:" + tlsPort + "/svc/curl").redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(out).contains("\"uri\":\"/svc/curl\"").endsWith("\n200 0");
    }

    @Test
    void adminConfigListsEachCertificateWithoutItsKey() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.adminPort() + "/admin/config")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.body()).contains("\"hosts\":[\"api.example\"]", "\"subject\":\"CN=api.example\"",
                "\"issuer\":\"CN=test intermediate\"", "\"hosts\":[\"*.other.example\"]", "\"not_after\":\"",
                "\"provider\":\"" + TlsProvider.provider().name().toLowerCase());
        assertThat(r.body()).doesNotContain("PRIVATE", "BEGIN");
    }

    // ---- gateways of their own

    private GatewayServer startOwn(String tlsExtra, Map<String, X509Bundle> certs) throws Exception {
        for (var e : certs.entrySet()) {
            TlsMaterial.write(dir.resolve("certs"), e.getKey(), e.getValue());
        }
        Files.writeString(dir.resolve("certs/clients.pem"), clientCa.getCertificatePEM());
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                server:
                  listen: 127.0.0.1:0
                  io-threads: 1
                  tls:
                    listen: 127.0.0.1:0
                %s
                admin:
                  enabled: false
                reload:
                  watch: false
                upstreams:
                  echo: {targets: ["%s"]}
                routes:
                  - {id: svc, paths: [/svc/**], upstream: echo}
                """.formatted(tlsExtra.indent(4).stripTrailing(), upstream.url()));
        return new GatewayServer(file, name -> null).start();
    }

    @Test
    void strictSniRefusesAnUnknownNameAndRequiredMtlsRefusesMissingAndUntrustedCertificates() throws Exception {
        X509Bundle untrusted = new io.netty.pkitesting.CertificateBuilder().subject("CN=stranger").ecp256()
                .setIsCertificateAuthority(true)
                .notBefore(Instant.now().minusSeconds(3600)).buildSelfSigned();
        X509Bundle api = TlsMaterial.server("api.example", "api.example").ecp256().setIsCertificateAuthority(true)
                .buildSelfSigned();
        try (GatewayServer g = startOwn("""
                certificates:
                  - {cert: certs/api.pem, key: certs/api.key}
                strict-sni: true
                client-auth: {mode: required, ca: certs/clients.pem}
                """, Map.of("api", api))) {
            assertThatThrownBy(() -> TlsMaterial.connect(api, client, g.tlsPort(), "unknown.example").close())
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> roundTrip(TlsMaterial.client(api, null), g.tlsPort()))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> roundTrip(TlsMaterial.client(api, untrusted), g.tlsPort()))
                    .isInstanceOf(IOException.class);
            assertThat(roundTrip(TlsMaterial.client(api, client), g.tlsPort())).startsWith("HTTP/1.1 200");
            Await.until(Duration.ofSeconds(5), "unknown_sni and bad_certificate are counted",
                    () -> handshakes(g, "unknown_sni") == 1 && handshakes(g, "bad_certificate") >= 1);
        }
    }

    /** Handshake and one request; with TLS 1.3 a refused client certificate shows on the first read. */
    private static String roundTrip(SSLContext ctx, int port) throws IOException {
        try (SSLSocket s = TlsMaterial.connect(ctx, port, "api.example")) {
            return TlsMaterial.get(s, "api.example", "/svc/m");
        }
    }

    @Test
    void aReloadSwapsCertificatesKeepsOpenConnectionsAndABrokenKeyIsRejected() throws Exception {
        X509Bundle expired = TlsMaterial.server("old.example", "old.example").ecp256()
                .notBefore(Instant.now().minus(Duration.ofDays(3))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildIssuedBy(root);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger contextsLog = (Logger) LoggerFactory.getLogger(TlsContexts.class);
        contextsLog.addAppender(log);
        try (GatewayServer g = startOwn("""
                certificates:
                  - {cert: certs/api.pem, key: certs/api.key}
                  - {cert: certs/old.pem, key: certs/old.key}
                """, Map.of("api", TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root),
                "old", expired))) {
            assertThat(log.list).anyMatch(e -> e.getLevel().toString().equals("WARN")
                    && e.getFormattedMessage().contains("old.example") && e.getFormattedMessage().contains("expired"));
            Gauge old = g.metrics().registry().find("gateway.tls.certificate.expiry").tag("host", "old.example")
                    .gauge();
            assertThat(old.value()).isNegative();
            assertThat(g.metrics().registry().find("gateway.tls.certificate.expiry").tag("host", "api.example")
                    .gauge().value()).isPositive();

            try (SSLSocket open = TlsMaterial.connect(root, null, g.tlsPort(), "api.example")) {
                assertThat(TlsMaterial.get(open, "api.example", "/svc/1")).startsWith("HTTP/1.1 200");
                TlsMaterial.write(dir.resolve("certs"), "api",
                        TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root));
                String v2;
                assertThat(g.reloader().reload("test").get().outcome()).isEqualTo(ReloadResult.Outcome.APPLIED);

                try (SSLSocket fresh = TlsMaterial.connect(root, null, g.tlsPort(), "api.example")) {
                    assertThat(TlsMaterial.peer(fresh).getSerialNumber())
                            .isNotEqualTo(TlsMaterial.peer(open).getSerialNumber());
                    v2 = TlsMaterial.peer(fresh).getSerialNumber().toString();
                }
                assertThat(TlsMaterial.get(open, "api.example", "/svc/2")).startsWith("HTTP/1.1 200"); // kept

                Files.writeString(dir.resolve("certs/api.key"), "-----BEGIN PRIVATE KEY-----\nbroken\n"
                        + "-----END PRIVATE KEY-----\n");
                ReloadResult rejected = g.reloader().reload("test").get();

                assertThat(rejected.outcome()).isEqualTo(ReloadResult.Outcome.REJECTED);
                assertThat(String.join("\n", rejected.errors())).contains("gateway.yml:")
                        .contains("server.tls.certificates[0].key").contains("api.key");
                try (SSLSocket after = TlsMaterial.connect(root, null, g.tlsPort(), "api.example")) {
                    assertThat(TlsMaterial.peer(after).getSerialNumber().toString()).isEqualTo(v2);
                }
            }
        } finally {
            contextsLog.detachAppender(log);
        }
    }

    @Test
    void handshakeFailuresAreCountedByReason() throws Exception {
        X509Bundle api = TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root);
        try (GatewayServer g = startOwn("""
                certificates: [{cert: certs/api.pem, key: certs/api.key}]
                protocols: [TLSv1.2]
                ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
                """, Map.of("api", api))) {
            assertThatThrownBy(() -> connectWith(g.tlsPort(), new String[] {"TLSv1.3"}, null))
                    .isInstanceOf(IOException.class);
            assertThatThrownBy(() -> connectWith(g.tlsPort(), new String[] {"TLSv1.2"},
                    new String[] {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"})).isInstanceOf(IOException.class);
            connectWith(g.tlsPort(), new String[] {"TLSv1.2"}, null);

            Await.until(Duration.ofSeconds(5), "protocol, no_shared_cipher and ok are counted once each",
                    () -> handshakes(g, "protocol") == 1 && handshakes(g, "no_shared_cipher") == 1
                            && handshakes(g, "ok") == 1);
        }
    }

    /** A handshake offering only {@code protocols} and {@code ciphers} (null: the JDK's defaults). */
    private static void connectWith(int port, String[] protocols, String[] ciphers) throws Exception {
        Socket raw = new Socket("127.0.0.1", port);
        raw.setSoTimeout(10_000);
        try (SSLSocket s = (SSLSocket) TlsMaterial.client(root, null).getSocketFactory()
                .createSocket(raw, "api.example", port, true)) {
            s.setEnabledProtocols(protocols);
            if (ciphers != null) {
                s.setEnabledCipherSuites(ciphers);
            }
            s.startHandshake();
        }
    }

    @Test
    void drainClosesIdleTlsConnectionsAndTheTlsListener() throws Exception {
        GatewayServer g = startOwn("certificates: [{cert: certs/api.pem, key: certs/api.key}]",
                Map.of("api", TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root)));
        try (SSLSocket idle = TlsMaterial.connect(root, null, g.tlsPort(), "api.example")) {
            assertThat(TlsMaterial.get(idle, "api.example", "/svc/d")).startsWith("HTTP/1.1 200");
            int port = g.tlsPort();

            assertThat(g.drain(Duration.ZERO, Duration.ofSeconds(10))).as("drained in time").isTrue();

            assertThat(idle.getInputStream().read()).as("the idle keep-alive connection is closed").isEqualTo(-1);
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(IOException.class);
        } finally {
            g.close();
        }
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateIsALocatedErrorForCheck() throws Exception {
        TlsMaterial.write(dir.resolve("certs"), "api",
                TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root));
        Files.writeString(dir.resolve("certs/api.key"),
                TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root).getPrivateKeyPEM());
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                server:
                  tls:
                    certificates:
                      - {cert: certs/api.pem, key: certs/api.key}
                """);

        assertThatThrownBy(() -> GatewayServer.check(file, name -> null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(file + ":4: server.tls.certificates[0].cert: the key " + dir.resolve("certs")
                        .resolve("api.key") + " does not match the certificate");
    }
}
