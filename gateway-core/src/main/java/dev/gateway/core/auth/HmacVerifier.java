package dev.gateway.core.auth;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Computes and checks HMAC signatures. {@link Mac} is not thread-safe and costly to create and to key, so each
 * thread (event loop) keeps a keyed instance per (algorithm, secret array) and reuses it: {@code doFinal} resets it
 * for the next message with the same key. Secrets come from immutable app records, so the arrays are stable keys.
 * Comparison is constant-time
 * ({@link MessageDigest#isEqual}); an app may have several secrets (rotation), and all are tried.
 */
public final class HmacVerifier {
    private HmacVerifier() {}

    /** Keyed Macs per thread, per algorithm, by secret array identity; cleared when it grows past this. */
    private static final int MAX_KEYED = 1024;

    @SuppressWarnings("unchecked")
    private static final FastThreadLocal<java.util.IdentityHashMap<byte[], Mac>[]> MACS = new FastThreadLocal<>() {
        @Override
        protected java.util.IdentityHashMap<byte[], Mac>[] initialValue() {
            int n = HmacAlgorithm.values().length;
            java.util.IdentityHashMap<byte[], Mac>[] maps = new java.util.IdentityHashMap[n];
            for (int i = 0; i < maps.length; i++) {
                maps[i] = new java.util.IdentityHashMap<>();
            }
            return maps;
        }
    };

    /** base64(HMAC(secret, signingString)). */
    public static String sign(HmacAlgorithm algorithm, byte[] secret, String signingString) {
        return Base64.getEncoder().encodeToString(mac(algorithm, secret, signingString));
    }

    /**
     * True if {@code signatureBase64} is the HMAC of {@code signingString} under one of {@code secrets}. A signature
     * that is not valid base64 is simply not a match.
     */
    public static boolean verify(HmacAlgorithm algorithm, List<byte[]> secrets, String signingString,
            String signatureBase64) {
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signatureBase64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        boolean match = false;
        for (byte[] secret : secrets) {
            // No early exit: the time taken does not tell which secret (if any) matched.
            match |= MessageDigest.isEqual(mac(algorithm, secret, signingString), given);
        }
        return match;
    }

    private static byte[] mac(HmacAlgorithm algorithm, byte[] secret, String signingString) {
        java.util.IdentityHashMap<byte[], Mac> keyed = MACS.get()[algorithm.ordinal()];
        try {
            Mac mac = keyed.get(secret);
            if (mac == null) {
                mac = Mac.getInstance(algorithm.jcaName());
                mac.init(new SecretKeySpec(secret, algorithm.jcaName()));
                if (keyed.size() >= MAX_KEYED) {
                    keyed.clear();
                }
                keyed.put(secret, mac);
            }
            return mac.doFinal(signingString.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            // The four JCA HMAC algorithms are mandatory in every Java platform.
            throw new IllegalStateException(algorithm.jcaName() + " unavailable", e);
        }
    }
}
