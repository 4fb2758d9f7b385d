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
 * Computes and checks HMAC signatures. {@link Mac} is not thread-safe and costly to create, so each thread (event
 * loop) keeps one instance per algorithm and re-keys it per call. Comparison is constant-time
 * ({@link MessageDigest#isEqual}); an app may have several secrets (rotation), and all are tried.
 */
public final class HmacVerifier {
    private HmacVerifier() {}

    private static final FastThreadLocal<Mac[]> MACS = new FastThreadLocal<>() {
        @Override
        protected Mac[] initialValue() {
            return new Mac[HmacAlgorithm.values().length];
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
        Mac[] macs = MACS.get();
        int i = algorithm.ordinal();
        try {
            Mac mac = macs[i];
            if (mac == null) {
                mac = Mac.getInstance(algorithm.jcaName());
                macs[i] = mac;
            }
            mac.init(new SecretKeySpec(secret, algorithm.jcaName()));
            return mac.doFinal(signingString.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            // The four JCA HMAC algorithms are mandatory in every Java platform.
            throw new IllegalStateException(algorithm.jcaName() + " unavailable", e);
        }
    }
}
