package dev.gateway.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HmacCredentialsTest {

    @Test
    void parsesKongStyleHeader() {
        var p = HmacCredentials.parse("hmac username=\"alice\", algorithm=\"hmac-sha256\", "
                + "headers=\"x-date request-line digest\", signature=\"abc=\"");
        assertThat(p.problem()).isNull();
        HmacCredentials c = p.credentials();
        assertThat(c.username()).isEqualTo("alice");
        assertThat(c.algorithm()).isEqualTo(HmacAlgorithm.HMAC_SHA256);
        assertThat(c.headers()).containsExactly("x-date", "request-line", "digest");
        assertThat(c.signature()).isEqualTo("abc=");
    }

    @Test
    void acceptsParametersInAnyOrderAndSchemeInAnyCase() {
        var p = HmacCredentials.parse("HMAC signature=\"s\",headers=\"Date Request-Line\" , username=\"k\","
                + "algorithm=\"HMAC-SHA512\"");
        assertThat(p.problem()).isNull();
        assertThat(p.credentials().algorithm()).isEqualTo(HmacAlgorithm.HMAC_SHA512);
        assertThat(p.credentials().headers()).containsExactly("date", "request-line");
    }

    @Test
    void headerNamesAreSeparatedByAnyRunOfSpaces() {
        var c = HmacCredentials.parse("hmac username=\"k\", headers=\"  X-Date   Request-Line digest \", "
                + "signature=\"s\"").credentials();
        assertThat(c.headers()).containsExactly("x-date", "request-line", "digest");
    }

    @Test
    void defaultsToSha256AndDateHeader() {
        var c = HmacCredentials.parse("hmac username=\"k\", signature=\"s\"").credentials();
        assertThat(c.algorithm()).isEqualTo(HmacAlgorithm.HMAC_SHA256);
        assertThat(c.headers()).containsExactly("date");
    }

    @Test
    void otherSchemesAreNotHmac() {
        assertThat(HmacCredentials.parse("Basic dXNlcjpwYXNz").problem()).isEqualTo(HmacCredentials.Problem.NOT_HMAC);
        assertThat(HmacCredentials.parse("hmacx username=\"k\"").problem())
                .isEqualTo(HmacCredentials.Problem.NOT_HMAC);
        assertThat(HmacCredentials.parse(null).problem()).isEqualTo(HmacCredentials.Problem.NOT_HMAC);
    }

    @Test
    void unknownAlgorithmIsUnsupported() {
        assertThat(HmacCredentials.parse("hmac username=\"k\", algorithm=\"hmac-md5\", signature=\"s\"").problem())
                .isEqualTo(HmacCredentials.Problem.UNSUPPORTED_ALGORITHM);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "hmac username=\"k\"",                                    // no signature
        "hmac signature=\"s\"",                                   // no username
        "hmac username=k, signature=\"s\"",                       // unquoted
        "hmac username=\"k, signature=\"s\"",                     // unbalanced quotes
        "hmac username=\"k\" signature=\"s\"",                    // missing comma
        "hmac username=\"k\", username=\"j\", signature=\"s\"",   // duplicate
        "hmac username=\"k\", nonce=\"1\", signature=\"s\"",      // unknown parameter
        "hmac username=\"\", signature=\"s\"",                    // empty value
        "hmac username=\"k\", headers=\"\", signature=\"s\"",     // empty header list
        "hmac username=\"k\", headers=\"   \", signature=\"s\"",  // only spaces
    })
    void malformedHeadersAreRejected(String value) {
        assertThat(HmacCredentials.parse(value).problem()).isEqualTo(HmacCredentials.Problem.MALFORMED);
    }

    @Test
    void toStringHidesTheSignature() {
        var c = HmacCredentials.parse("hmac username=\"k\", signature=\"SECRET-SIG\"").credentials();
        assertThat(c.toString()).doesNotContain("SECRET-SIG");
    }
}
