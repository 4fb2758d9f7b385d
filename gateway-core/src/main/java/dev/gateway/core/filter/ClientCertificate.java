package dev.gateway.core.filter;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A client certificate the TLS listener verified ({@link StandardAttrs#CLIENT_CERT}): what filters and the
 * {@code X-Forwarded-Client-Cert} header use to identify the client. Immutable; made once per connection.
 *
 * @param subject the subject's distinguished name as RFC 2253 writes it ({@code CN=partner-a,O=Example})
 * @param issuer the issuer's distinguished name
 * @param dnsNames the DNS subject alternative names
 * @param uris the URI subject alternative names (SPIFFE ids, for instance)
 * @param sha256 the SHA-256 of the certificate's DER encoding, lowercase hex
 */
public record ClientCertificate(String subject, String issuer, List<String> dnsNames, List<String> uris,
        String sha256) {

    public ClientCertificate {
        dnsNames = List.copyOf(dnsNames);
        uris = List.copyOf(uris);
    }

    /** The details of {@code cert}. Cheap enough for a connection's handshake (one SHA-256 over the DER). */
    public static ClientCertificate from(X509Certificate cert) {
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    Object type = san.get(0);
                    if (Integer.valueOf(2).equals(type)) {
                        dns.add(String.valueOf(san.get(1)));
                    } else if (Integer.valueOf(6).equals(type)) {
                        uris.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no names: subject and hash still identify the certificate
        }
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            hash = "";
        }
        return new ClientCertificate(cert.getSubjectX500Principal().getName(),
                cert.getIssuerX500Principal().getName(), dns, uris, hash);
    }

    /**
     * This certificate as one element of Envoy's {@code X-Forwarded-Client-Cert}:
     * {@code Hash=<sha256>;Subject="<dn>";URI=<uri>;DNS=<name>} (a field per name; quotes and backslashes escaped).
     */
    public String xfccElement() {
        StringBuilder sb = new StringBuilder(128).append("Hash=").append(sha256);
        sb.append(";Subject=\"").append(subject.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        for (String u : uris) {
            sb.append(";URI=").append(u);
        }
        for (String d : dnsNames) {
            sb.append(";DNS=").append(d);
        }
        return sb.toString();
    }
}
