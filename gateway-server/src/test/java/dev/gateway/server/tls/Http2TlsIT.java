package dev.gateway.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.Cli;
import dev.gateway.server.support.GatewayProcess;
import dev.gateway.server.support.TestUpstream;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP/2 over the TLS listener: ALPN offers h2 when server.http2.enabled, and a stream is served as over h2c. */
class Http2TlsIT {
    static final Duration MAX = Duration.ofSeconds(60);
    @TempDir
    Path dir;
    X509Bundle root;
    TestUpstream upstream;
    GatewayServer gateway;
    int tlsPort;

    @BeforeEach
    void certificates() throws Exception {
        Cli.need("curl");
        root = TlsMaterial.root("test root");
        TlsMaterial.write(dir.resolve("certs"), "api",
                TlsMaterial.server("api.example", "api.example").ecp256().buildIssuedBy(root));
        Files.writeString(dir.resolve("root.pem"), root.getRootCertificatePEM());
        upstream = TestUpstream.echo("echo");
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        upstream.close();
    }

    private void start(boolean http2) throws Exception {
        tlsPort = GatewayProcess.freePorts(1)[0];
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                server:
                  listen: 127.0.0.1:0
                  io-threads: 2
                  tls:
                    listen: 127.0.0.1:%d
                    certificates:
                      - {cert: certs/api.pem, key: certs/api.key}
                  http2: {enabled: %s}
                admin:
                  listen: 127.0.0.1:0
                reload:
                  watch: false
                upstreams:
                  echo: {targets: ["%s"]}
                routes:
                  - {id: svc, paths: [/svc/**], upstream: echo}
                """.formatted(tlsPort, http2, upstream.url()));
        gateway = new GatewayServer(file, name -> null).start();
    }

    private Cli.Result curl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-sS", "-i", "--cacert",
                dir.resolve("root.pem").toString(), "--resolve", "api.example:" + tlsPort + ":127.0.0.1"));
        cmd.addAll(List.of(args));
        return Cli.run(MAX, cmd);
    }

    @Test
    void curlNegotiatesH2ByAlpn() throws Exception {
        start(true);
        Cli.Result r = curl("--http2", "https://api.example:" + tlsPort + "/svc/h2");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("HTTP/2 200").contains("\"uri\":\"/svc/h2\"");
        assertThat(upstream.last().headers().get("X-Forwarded-Proto")).isEqualTo("https");
    }

    @Test
    void http11ClientsStillGetHttp11() throws Exception {
        start(true);
        Cli.Result r = curl("--http1.1", "https://api.example:" + tlsPort + "/svc/h1");

        assertThat(r.out()).as(r.err()).startsWith("HTTP/1.1 200").contains("\"uri\":\"/svc/h1\"");
    }

    @Test
    void withHttp2DisabledAlpnOffersOnlyHttp11() throws Exception {
        start(false);
        Cli.Result r = curl("--http2", "https://api.example:" + tlsPort + "/svc/off");

        assertThat(r.out()).as(r.err()).startsWith("HTTP/1.1 200");
    }
}
