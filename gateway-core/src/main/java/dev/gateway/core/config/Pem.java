package dev.gateway.core.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files a configuration names (TLS certificates, keys and CA bundles): read at load, off the event loops, each
 * becoming one of the configuration's sources (its version, the file watcher). Keys may be PKCS#8
 * ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA ({@code BEGIN RSA PRIVATE KEY}) or SEC1 EC ({@code BEGIN EC PRIVATE KEY});
 * encrypted keys are refused with a message saying how to decrypt them.
 */
final class Pem {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** rsaEncryption, 1.2.840.113549.1.1.1, DER-encoded with its tag. */
    private static final byte[] RSA_OID = {0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01,
        0x01, 0x01};
    /** id-ecPublicKey, 1.2.840.10045.2.1. */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private Pem() {}

    /** A file's blocks: type and DER bytes. */
    record Block(String type, byte[] der) {}

    /** The bytes of the file {@code sn} names (relative to the file it is written in), or null with a problem. */
    static byte[] read(ConfigNode.ScalarNode sn, Problems problems) {
        Path file = ListFile.resolve(sn);
        try {
            byte[] bytes = Files.readAllBytes(file);
            ConfigLoader.addSource(file, bytes);
            return bytes;
        } catch (NoSuchFileException e) {
            problems.add(sn, file + ": file not found");
        } catch (IOException | RuntimeException e) {
            problems.add(sn, file + ": cannot read: " + e.getMessage());
        }
        return null;
    }

    static List<Block> blocks(byte[] bytes) {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(new String(bytes, StandardCharsets.US_ASCII));
        while (m.find()) {
            try {
                out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                out.add(new Block(m.group(1), null));
            }
        }
        return out;
    }

    /** Every certificate of a PEM file, in file order; throws with the reason when there is none or one is broken. */
    static List<X509Certificate> certificates(byte[] bytes) {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("X.509 is required of every JVM", e);
        }
        int n = 0;
        for (Block b : blocks(bytes)) {
            if (!b.type().equals("CERTIFICATE")) {
                continue;
            }
            n++;
            if (b.der() == null) {
                throw new IllegalArgumentException("certificate " + n + " is not valid base64");
            }
            try {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der())));
            } catch (CertificateException | ClassCastException e) {
                throw new IllegalArgumentException("certificate " + n + " is not a valid X.509 certificate ("
                        + e.getMessage() + ")");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(out);
    }

    /** The private key of a PEM file; throws with the reason when there is none or it cannot be read. */
    static PrivateKey privateKey(byte[] bytes) {
        for (Block b : blocks(bytes)) {
            switch (b.type()) {
                case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                    if (b.der() == null) {
                        throw new IllegalArgumentException("the " + b.type() + " block is not valid base64");
                    }
                    try {
                        return switch (b.type()) {
                            case "RSA PRIVATE KEY" -> pkcs8("RSA", wrap(seq(RSA_OID, new byte[] {0x05, 0x00}), b.der()));
                            case "EC PRIVATE KEY" -> pkcs8("EC", wrap(seq(EC_OID, ecCurve(b.der())), b.der()));
                            default -> pkcs8(null, b.der());
                        };
                    } catch (GeneralSecurityException | RuntimeException e) {
                        throw new IllegalArgumentException("the " + b.type() + " block is not a valid key ("
                                + e.getMessage() + ")");
                    }
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IllegalArgumentException(
                        "the key is encrypted; store it unencrypted (openssl pkey -in KEY -out KEY.plain) with "
                                + "file permissions protecting it");
                default -> {
                    // certificates and parameters may share the file
                }
            }
        }
        throw new IllegalArgumentException("no PEM private key in it (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static PrivateKey pkcs8(String algorithm, byte[] der) throws GeneralSecurityException {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        if (algorithm != null) {
            return KeyFactory.getInstance(algorithm).generatePrivate(spec);
        }
        GeneralSecurityException last = null;
        for (String a : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(a).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw last;
    }

    /** A PKCS#8 PrivateKeyInfo: version 0, the algorithm, the key bytes as an OCTET STRING. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    /**
     * The named-curve OID of a SEC1 ECPrivateKey (its {@code [0]} parameters): SEQUENCE { INTEGER 1, OCTET STRING,
     * [0] OID, [1] BIT STRING }.
     */
    private static byte[] ecCurve(byte[] der) {
        int[] pos = {0};
        expect(der, pos, 0x30);
        length(der, pos);
        while (pos[0] < der.length) {
            int tag = der[pos[0]++] & 0xff;
            int len = length(der, pos);
            if (tag == 0xa0) {
                byte[] oid = new byte[len];
                System.arraycopy(der, pos[0], oid, 0, len);
                return oid;
            }
            pos[0] += len;
        }
        throw new IllegalArgumentException("the EC key names no curve");
    }

    private static void expect(byte[] der, int[] pos, int tag) {
        if ((der[pos[0]++] & 0xff) != tag) {
            throw new IllegalArgumentException("not DER");
        }
    }

    private static int length(byte[] der, int[] pos) {
        int b = der[pos[0]++] & 0xff;
        if (b < 0x80) {
            return b;
        }
        int n = b & 0x7f;
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (der[pos[0]++] & 0xff);
        }
        return len;
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        int len = value.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
