package dev.gateway.server.support;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** Certificates made in the test (Netty's pkitesting): a CA, and server or client certificates it issues. */
public final class TestPki {
    private final X509Bundle ca;

    private TestPki(X509Bundle ca) {
        this.ca = ca;
    }

    /** A new self-signed CA named {@code cn}. */
    public static TestPki ca(String cn) throws Exception {
        return new TestPki(new CertificateBuilder().subject("CN=" + cn).setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned());
    }

    public X509Bundle bundle() {
        return ca;
    }

    /** A server certificate for the DNS names and IP addresses given, valid now. */
    public X509Bundle server(String... names) throws Exception {
        return server(Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), names);
    }

    /** A server certificate valid from {@code notBefore} to {@code notAfter}. */
    public X509Bundle server(Instant notBefore, Instant notAfter, String... names) throws Exception {
        CertificateBuilder b = new CertificateBuilder().subject("CN=" + names[0]).ecp256()
                .notBefore(notBefore).notAfter(notAfter).addExtendedKeyUsageServerAuth();
        for (String n : names) {
            if (Character.isDigit(n.charAt(0))) {
                b.addSanIpAddress(n);
            } else {
                b.addSanDnsName(n);
            }
        }
        return b.buildIssuedBy(ca);
    }

    /** A client certificate with subject {@code CN=cn}. */
    public X509Bundle client(String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
    }

    /** Writes the CA certificate as PEM into {@code dir}; returns the file. */
    public Path writeCa(Path dir, String name) throws IOException {
        return Files.writeString(dir.resolve(name), ca.getCertificatePEM());
    }

    /** Writes a certificate chain and its key as PEM into {@code dir}: {@code name}.pem and {@code name}.key. */
    public static void write(X509Bundle b, Path dir, String name) throws IOException {
        Files.writeString(dir.resolve(name + ".pem"), b.getCertificatePathPEM());
        Files.writeString(dir.resolve(name + ".key"), b.getPrivateKeyPEM());
    }
}
