package dev.gateway.server.tls;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/** Certificates made in the test (Netty's pkitesting), written as PEM files, and a real TLS client (the JDK's). */
final class TlsMaterial {
    private TlsMaterial() {}

    static X509Bundle root(String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).setIsCertificateAuthority(true).ecp256()
                .notBefore(Instant.now().minusSeconds(3600)).buildSelfSigned();
    }

    static X509Bundle intermediate(X509Bundle root) throws Exception {
        return new CertificateBuilder().subject("CN=test intermediate").setIsCertificateAuthority(true).ecp256()
                .notBefore(Instant.now().minusSeconds(3600)).buildIssuedBy(root);
    }

    static CertificateBuilder server(String cn, String... dns) {
        CertificateBuilder b = new CertificateBuilder().subject("CN=" + cn)
                .notBefore(Instant.now().minusSeconds(3600));
        for (String d : dns) {
            b.addSanDnsName(d);
        }
        return b;
    }

    /** Writes {@code name}.pem (leaf and intermediates) and {@code name}.key under {@code dir}. */
    static void write(Path dir, String name, X509Bundle b) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".pem"), b.getCertificatePathPEM());
        Files.writeString(dir.resolve(name + ".key"), b.getPrivateKeyPEM());
    }

    static SSLContext client(X509Bundle trusted, X509Bundle clientCert) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("root", trusted.getRootCertificate());
        tmf.init(ts);
        KeyManagerFactory kmf = clientCert == null ? null : clientCert.toKeyManagerFactory();
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /**
     * A connected, handshaken TLS socket to 127.0.0.1:{@code port} asking for {@code sni} (null: none), trusting
     * {@code trusted}'s root and presenting {@code clientCert} (or none). A new client context each time: the JDK's
     * client would otherwise resume a session by host and port whatever the SNI name.
     */
    static SSLSocket connect(X509Bundle trusted, X509Bundle clientCert, int port, String sni) throws Exception {
        return connect(client(trusted, clientCert), port, sni);
    }

    static SSLSocket connect(SSLContext ctx, int port, String sni) throws IOException {
        Socket raw = new Socket();
        raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        raw.setSoTimeout(10_000);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "127.0.0.1", port, true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    static X509Certificate peer(SSLSocket s) throws IOException {
        return (X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    /** Sends one keep-alive GET and reads its response (status line, headers and a Content-Length body). */
    static String get(Socket s, String host, String path, String... headers) throws IOException {
        StringBuilder req = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
        for (String h : headers) {
            req.append(h).append("\r\n");
        }
        return send(s, req.append("\r\n").toString());
    }

    /** Sends {@code request} as it is and reads one response (status line, headers, a Content-Length body). */
    static String send(Socket s, String request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }

    /** Everything the peer sends until it closes (the socket's read timeout bounds the wait). */
    static String readToEnd(Socket s) throws IOException {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
