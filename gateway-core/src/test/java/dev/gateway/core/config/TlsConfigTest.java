package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.testing.Needs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** server.tls as bound at load: its files read and checked, every problem located. */
class TlsConfigTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    private List<String> errors() {
        try {
            new ConfigLoader(n -> null).load(dir.resolve("gateway.yml"));
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    @Test
    void absentSectionMeansNoTlsListener() throws Exception {
        write("gateway.yml", "server:\n  listen: 127.0.0.1:0\n");

        assertThat(new ConfigLoader(n -> null).load(dir.resolve("gateway.yml")).server().tls()).isNull();
    }

    @Test
    void aMissingFileAndABrokenPemAreLocatedAtTheirKeys() throws Exception {
        write("certs/broken.pem", "not a certificate\n");
        write("gateway.yml", """
                server:
                  tls:
                    certificates:
                      - cert: certs/broken.pem
                        key: certs/missing.key
                """);

        assertThat(errors()).containsExactly(
                dir.resolve("gateway.yml") + ":4: server.tls.certificates[0].cert: " + dir.resolve("certs/broken.pem")
                        + ": no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
                dir.resolve("gateway.yml") + ":5: server.tls.certificates[0].key: " + dir.resolve("certs/missing.key")
                        + ": file not found");
    }

    @Test
    void oldProtocolsOcspAndClientAuthWithoutCaAreRefused() throws Exception {
        write("gateway.yml", """
                server:
                  tls:
                    certificates: []
                    protocols: [TLSv1.3, TLSv1.1]
                    ocsp-stapling: true
                    client-auth: {mode: required}
                """);

        assertThat(String.join("\n", errors()))
                .contains(":3: server.tls.certificates: needs at least one certificate")
                .contains(":4: server.tls.protocols[1]: 'TLSv1.1' is not offered; use TLSv1.3 or TLSv1.2")
                .contains(":5: server.tls.ocsp-stapling: is not supported yet")
                .contains(":6: server.tls.client-auth.ca: is required when mode is required");
    }

    @Test
    void pkcs1RsaAndSec1EcKeysAsOpensslWritesThemLoadAndHostsComeFromTheNames() throws Exception {
        Needs.require(run("openssl", "version"), () -> "openssl is not installed");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        assertThat(run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                certs.resolve("rsa8.key").toString(), "-out", certs.resolve("rsa.pem").toString(), "-days", "2",
                "-subj", "/CN=rsa.example", "-addext", "subjectAltName=DNS:rsa.example,DNS:www.rsa.example")).isTrue();
        assertThat(run("openssl", "rsa", "-traditional", "-in", certs.resolve("rsa8.key").toString(), "-out",
                certs.resolve("rsa.key").toString())).isTrue();
        assertThat(run("openssl", "ecparam", "-genkey", "-name", "prime256v1", "-out",
                certs.resolve("ec.key").toString())).isTrue();
        assertThat(run("openssl", "req", "-x509", "-new", "-key", certs.resolve("ec.key").toString(), "-out",
                certs.resolve("ec.pem").toString(), "-days", "2", "-subj", "/CN=ec.example")).isTrue();
        assertThat(Files.readString(certs.resolve("rsa.key"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(certs.resolve("ec.key"))).contains("BEGIN EC PRIVATE KEY");
        write("gateway.yml", """
                server:
                  tls:
                    certificates:
                      - {cert: certs/rsa.pem, key: certs/rsa.key}
                      - {cert: certs/ec.pem, key: certs/ec.key, hosts: [EC.example, "*.ec.example"]}
                """);

        GatewayConfig config = new ConfigLoader(n -> null).load(dir.resolve("gateway.yml"));
        TlsConfig tls = config.server().tls();

        // Sources of the configuration: its version changes and the file watcher reloads when they change.
        assertThat(config.sources()).contains(certs.resolve("rsa.pem"), certs.resolve("rsa.key"),
                certs.resolve("ec.pem"), certs.resolve("ec.key"));

        assertThat(tls.certificates().get(0).hosts()).containsExactly("rsa.example", "www.rsa.example");
        assertThat(tls.certificates().get(0).key().key().getAlgorithm()).isEqualTo("RSA");
        assertThat(tls.certificates().get(1).hosts()).containsExactly("ec.example", "*.ec.example");
        assertThat(tls.certificates().get(1).key().key().getAlgorithm()).isEqualTo("EC");
        assertThat(tls.certificates().get(1).key().toString()).doesNotContain("BEGIN");
    }

    private static boolean run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
