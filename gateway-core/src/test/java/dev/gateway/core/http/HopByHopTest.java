package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class HopByHopTest {

    @Test
    void removesHeadersNamedInConnection() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "close, X-Debug-Token")
                .add("X-Debug-Token", "secret")
                .add("Accept", "*/*");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("Accept");
    }

    @Test
    void removesHeadersNamedInEveryConnectionHeaderIgnoringCaseAndSpaces() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "x-one ,, X-TWO ")
                .add("connection", "X-Three")
                .add("X-One", "1")
                .add("x-two", "2")
                .add("X-THREE", "3")
                .add("X-Four", "4");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactly("X-Four");
    }

    @Test
    void removesEveryFixedHopByHopHeader() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Keep-Alive", "timeout=5")
                .add("Proxy-Authenticate", "Basic")
                .add("Proxy-Authorization", "Basic Zm9vOmJhcg==")
                .add("Proxy-Connection", "keep-alive")
                .add("TE", "trailers")
                .add("Trailer", "Expires")
                .add("Transfer-Encoding", "chunked")
                .add("Upgrade", "websocket")
                .add("Connection", "upgrade");

        HopByHop.strip(h);

        assertThat(h.isEmpty()).as("remaining: %s", h.names()).isTrue();
    }

    @Test
    void forTheFiltersKeepsProxyAuthorizationAndStillRemovesTheOthers() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Proxy-Authorization", "hmac username=\"a\"")
                .add("Proxy-Authenticate", "Basic")
                .add("Keep-Alive", "timeout=5")
                .add("Connection", "close, X-Hop")
                .add("X-Hop", "1")
                .add("Accept", "*/*");

        HopByHop.stripKeepingProxyAuthorization(h);

        assertThat(h.names()).containsExactlyInAnyOrder("Proxy-Authorization", "Accept");
    }

    @Test
    void keepsEndToEndHeaders() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Host", "api.example.com")
                .add("Content-Type", "application/json")
                .add("Content-Length", "12")
                .add("Authorization", "Bearer t")
                .add("Cache-Control", "no-cache")
                .add("X-Request-Id", "abc")
                .add("Keep-Alive", "timeout=5");

        HopByHop.strip(h);

        assertThat(h.names()).containsExactlyInAnyOrder("Host", "Content-Type", "Content-Length", "Authorization",
                "Cache-Control", "X-Request-Id");
        assertThat(h.get("Authorization")).isEqualTo("Bearer t");
        assertThat(h.get("Content-Length")).isEqualTo("12");
    }

    @Test
    void keepsAllValuesOfRepeatedEndToEndHeader() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Accept-Encoding", "gzip")
                .add("Accept-Encoding", "br")
                .add("Connection", "keep-alive");

        HopByHop.strip(h);

        assertThat(h.getAll("Accept-Encoding")).containsExactly("gzip", "br");
    }
}
