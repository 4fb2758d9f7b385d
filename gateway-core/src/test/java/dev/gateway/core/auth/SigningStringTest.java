package dev.gateway.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SigningStringTest {
    private static final Map<String, String> HEADERS = Map.of("date", "Thu, 22 Jun 2017 17:15:21 GMT",
            "x-date", "Mon, 23 Nov 2026 10:00:00 GMT", "digest", "SHA-256=abc");

    @Test
    void buildsKongsExample() {
        assertThat(SigningString.build(List.of("date", "request-line"), "GET", "/requests", "HTTP/1.1", HEADERS::get))
                .isEqualTo("date: Thu, 22 Jun 2017 17:15:21 GMT\nGET /requests HTTP/1.1");
    }

    @Test
    void requestLineUsesTheClientsVersionAndRawTarget() {
        assertThat(SigningString.build(List.of("request-line"), "POST", "/a%2Fb/../c?x=%20&y", "HTTP/1.0",
                HEADERS::get)).isEqualTo("POST /a%2Fb/../c?x=%20&y HTTP/1.0");
    }

    @Test
    void requestTargetIsLowerCaseMethodAndRawTarget() {
        assertThat(SigningString.build(List.of("@request-target", "x-date"), "GET", "/api?q=a%20b", "HTTP/1.1",
                HEADERS::get)).isEqualTo("@request-target: get /api?q=a%20b\nx-date: Mon, 23 Nov 2026 10:00:00 GMT");
    }

    @Test
    void keepsTheClientsOrderAndWritesAbsentHeadersAsNameColon() {
        assertThat(SigningString.build(List.of("digest", "x-missing", "request-line"), "GET", "/", "HTTP/1.1",
                HEADERS::get)).isEqualTo("digest: SHA-256=abc\nx-missing:\nGET / HTTP/1.1");
    }
}
