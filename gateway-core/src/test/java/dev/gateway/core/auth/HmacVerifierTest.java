package dev.gateway.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class HmacVerifierTest {
    private static final String KONG_SIGNING_STRING = "date: Thu, 22 Jun 2017 17:15:21 GMT\nGET /requests HTTP/1.1";

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void matchesKongsDocumentedExample() {
        assertThat(HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, b("secret"), KONG_SIGNING_STRING))
                .isEqualTo("ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=");
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, List.of(b("secret")), KONG_SIGNING_STRING,
                "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=")).isTrue();
    }

    record Vector(HmacAlgorithm algorithm, String secret, String signingString, String signature) {}

    /** Vectors computed independently with openssl (see the file's first line). */
    static Stream<Vector> opensslVectors() throws IOException {
        try (InputStream in = HmacVerifierTest.class.getResourceAsStream("/hmac/vectors.tsv")) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).map(l -> {
                String[] f = l.split("\t");
                return new Vector(HmacAlgorithm.fromWire(f[0]), f[1], f[2].replace("\\n", "\n"), f[3]);
            }).toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("opensslVectors")
    void agreesWithOpenssl(Vector v) {
        assertThat(HmacVerifier.sign(v.algorithm(), b(v.secret()), v.signingString())).isEqualTo(v.signature());
        assertThat(HmacVerifier.verify(v.algorithm(), List.of(b(v.secret())), v.signingString(), v.signature()))
                .isTrue();
    }

    @Test
    void rejectsSignatureOverDifferentString() {
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, List.of(b("secret")),
                KONG_SIGNING_STRING.replace("GET", "PUT"), "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=")).isFalse();
    }

    @Test
    void rejectsSignatureUnderOtherAlgorithm() {
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA512, List.of(b("secret")), KONG_SIGNING_STRING,
                "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=")).isFalse();
    }

    @Test
    void acceptsAnyOfSeveralSecretsForRotation() {
        String old = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, b("old"), KONG_SIGNING_STRING);
        String fresh = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, b("new"), KONG_SIGNING_STRING);
        List<byte[]> both = List.of(b("old"), b("new"));
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, both, KONG_SIGNING_STRING, old)).isTrue();
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, both, KONG_SIGNING_STRING, fresh)).isTrue();
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, List.of(b("new")), KONG_SIGNING_STRING, old))
                .isFalse();
    }

    @Test
    void invalidBase64IsNoMatch() {
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, List.of(b("secret")), KONG_SIGNING_STRING,
                "not base64!!")).isFalse();
    }

    @Test
    void truncatedSignatureIsNoMatch() {
        assertThat(HmacVerifier.verify(HmacAlgorithm.HMAC_SHA256, List.of(b("secret")), KONG_SIGNING_STRING,
                "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRU")).isFalse();
    }
}
