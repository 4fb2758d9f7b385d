package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Required;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The TLS listener ({@code server.tls}; absent: none). Certificates, keys and CA bundles are PEM files, relative to
 * the file that names them, read and checked at load (a missing file, a broken PEM, a key that does not match its
 * certificate is a located error), so that {@code --check} reports them and a reload with one is rejected. The first
 * certificate is the default; SNI picks another by its {@code hosts} (exact names or {@code *.suffix}; absent: the
 * certificate's DNS names).
 */
public record TlsConfig(
        HostPort listen,
        List<Certificate> certificates,
        boolean strictSni,
        List<String> protocols,
        List<String> ciphers,
        ClientAuth clientAuth,
        boolean ocspStapling,
        @Positive Duration handshakeTimeout,
        boolean sessionTickets,
        ForwardClientCert forwardClientCert,
        ConfigNode.Location location) implements Binder.Validated {

    /** The protocol versions the listener may offer. */
    public static final List<String> KNOWN_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

    public TlsConfig {
        certificates = List.copyOf(certificates);
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }

    public static TlsConfig defaults() {
        return new TlsConfig(new HostPort("0.0.0.0", 8443), List.of(), false, KNOWN_PROTOCOLS, List.of(),
                ClientAuth.defaults(), false, Duration.ofSeconds(10), true, ForwardClientCert.SANITIZE, null);
    }

    @Override
    public void validate(Problems problems) {
        if (certificates.isEmpty()) {
            problems.add("certificates", "needs at least one certificate ({cert: FILE.pem, key: FILE.key})");
        }
        if (protocols.isEmpty()) {
            problems.add("protocols", "needs at least one of " + KNOWN_PROTOCOLS);
        }
        for (int i = 0; i < protocols.size(); i++) {
            if (!KNOWN_PROTOCOLS.contains(protocols.get(i))) {
                problems.add("protocols[" + i + "]", "'" + protocols.get(i) + "' is not offered; use "
                        + String.join(" or ", KNOWN_PROTOCOLS));
            }
        }
        if (ocspStapling) {
            problems.add("ocsp-stapling", "is not supported yet; remove it or set it to false");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < certificates.size(); i++) {
            for (String h : certificates.get(i).hosts()) {
                Integer prev = seen.putIfAbsent(h, i);
                if (prev != null && prev != i) {
                    problems.add("certificates[" + i + "]", "host '" + h + "' is already served by certificates["
                            + prev + "]");
                }
            }
        }
    }

    /** Whether clients may (optional) or must (required) present a certificate. */
    public enum ClientAuthMode { NONE, OPTIONAL, REQUIRED }

    /**
     * What happens to {@code X-Forwarded-Client-Cert} (Envoy's names). On a connection without a verified client
     * certificate the client's header is always removed.
     */
    public enum ForwardClientCert {
        /** Remove the client's header; send none. */
        SANITIZE,
        /** Pass the client's header on unchanged (mTLS connections only). */
        FORWARD,
        /** Pass the client's header on with this connection's certificate appended (mTLS connections only). */
        APPEND_FORWARD,
        /** Replace the client's header by this connection's certificate (mTLS connections only). */
        SANITIZE_SET
    }

    /** {@code client-auth: {mode: none | optional | required, ca: FILE.pem}}: the CAs client certificates chain to. */
    public record ClientAuth(ClientAuthMode mode, CertificateFile ca) implements Binder.Validated {
        public static ClientAuth defaults() {
            return new ClientAuth(ClientAuthMode.NONE, null);
        }

        @Override
        public void validate(Problems problems) {
            if (mode != ClientAuthMode.NONE && ca == null && !problems.scope().entries().containsKey("ca")) {
                problems.add("ca", "is required when mode is " + mode.name().toLowerCase(Locale.ROOT)
                        + " (the PEM file of the CAs that issue client certificates)");
            }
        }
    }

    /**
     * One certificate chain and its key. {@code hosts} are the SNI names it serves, lowercase: exact names or
     * {@code *.suffix}; absent, the leaf's DNS names.
     */
    public record Certificate(@Required CertificateFile cert, @Required KeyFile key, List<String> hosts,
            ConfigNode.Location location) implements Binder.Validated {
        public Certificate {
            hosts = hosts == null || hosts.isEmpty() ? (cert == null ? List.of() : cert.dnsNames())
                    : hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        }

        @Override
        public void validate(Problems problems) {
            for (int i = 0; i < hosts.size(); i++) {
                if (!HOST.matcher(hosts.get(i)).matches()) {
                    problems.add("hosts[" + i + "]", "'" + hosts.get(i) + "' is not a host name or *.suffix");
                }
            }
            if (cert != null && key != null && !matches(key.key(), cert.leaf())) {
                problems.add("cert", "the key " + key.file() + " does not match the certificate " + cert.file()
                        + " (its public key is another one)");
            }
        }

        /** Signs a few bytes with the key and verifies them with the certificate's public key. */
        private static boolean matches(PrivateKey key, X509Certificate cert) {
            String alg = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> key.getAlgorithm();
            };
            if (!alg.equals(cert.getPublicKey().getAlgorithm()) && !cert.getPublicKey().getAlgorithm()
                    .equals(key.getAlgorithm())) {
                return false;
            }
            try {
                byte[] probe = "gateway key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                Signature s = Signature.getInstance(alg);
                s.initSign(key);
                s.update(probe);
                byte[] sig = s.sign();
                Signature v = Signature.getInstance(alg);
                v.initVerify(cert.getPublicKey());
                v.update(probe);
                return v.verify(sig);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }
    }

    /** A PEM file of certificates (a chain, leaf first; or a CA bundle), parsed at load. */
    public record CertificateFile(Path file, List<X509Certificate> chain) {
        public CertificateFile {
            chain = List.copyOf(chain);
        }

        static CertificateFile of(ConfigNode.ScalarNode sn, Problems problems) {
            byte[] bytes = Pem.read(sn, problems);
            if (bytes == null) {
                return null;
            }
            try {
                return new CertificateFile(ListFile.resolve(sn), Pem.certificates(bytes));
            } catch (IllegalArgumentException e) {
                problems.add(sn, ListFile.resolve(sn) + ": " + e.getMessage());
                return null;
            }
        }

        public X509Certificate leaf() {
            return chain.get(0);
        }

        /** The leaf's DNS subject alternative names, lowercase. */
        public List<String> dnsNames() {
            List<String> out = new ArrayList<>();
            try {
                var sans = leaf().getSubjectAlternativeNames();
                if (sans != null) {
                    for (List<?> san : sans) {
                        if (Integer.valueOf(2).equals(san.get(0))) {
                            out.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                        }
                    }
                }
            } catch (CertificateParsingException e) {
                // no names: the certificate serves as the default only
            }
            return List.copyOf(out);
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }

    /** A PEM private key file, parsed at load. Its {@code toString} names the file only. */
    public record KeyFile(Path file, PrivateKey key) {
        static KeyFile of(ConfigNode.ScalarNode sn, Problems problems) {
            byte[] bytes = Pem.read(sn, problems);
            if (bytes == null) {
                return null;
            }
            try {
                return new KeyFile(ListFile.resolve(sn), Pem.privateKey(bytes));
            } catch (IllegalArgumentException e) {
                problems.add(sn, ListFile.resolve(sn) + ": " + e.getMessage());
                return null;
            }
        }

        @Override
        public String toString() {
            return file.toString();
        }
    }
}
