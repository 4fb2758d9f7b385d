package dev.gateway.filters.cors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.testing.TestRequests;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsFilterTest {

    static CorsFilter filter(List<String> origins, boolean credentials) {
        return new CorsFilter(new CorsConfig(origins, List.of("GET", "POST"), List.of("x-date"), List.of(),
                credentials, Duration.ofSeconds(60)));
    }

    static RequestContext request(HttpMethod m, HttpHeaders h) {
        return TestRequests.context("r", m.name(), "/x", "HTTP/1.1", h);
    }

    static HttpHeaders preflight(String origin, String method, String headers) {
        HttpHeaders h = new DefaultHttpHeaders().set("origin", origin).set("access-control-request-method", method);
        if (headers != null) {
            h.set("access-control-request-headers", headers);
        }
        return h;
    }

    /** The response's headers as name -> value (names are unique in a preflight answer). */
    static java.util.Map<String, String> headers(GatewayResponse r) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        r.headers().forEach(h -> m.put(h.name(), h.value()));
        return m;
    }

    static FilterResult.Respond answer(CorsFilter f, HttpHeaders h) {
        return (FilterResult.Respond) f.apply(request(HttpMethod.OPTIONS, h)).toCompletableFuture().join();
    }

    @Test
    void requestsWithoutOriginAreNotCors() {
        assertThat(filter(List.of("*"), false).apply(request(HttpMethod.GET, new DefaultHttpHeaders())) 
                == FilterResult.PROCEED).isTrue();
    }

    @Test
    void anyOriginWithoutCredentialsAnswersStar() {
        var r = answer(filter(List.of("*"), false), preflight("https://x.test", "GET", null));
        assertThat(headers(r.response())).containsEntry("access-control-allow-origin", "*");
    }

    @Test
    void credentialsEchoTheOrigin() {
        var r = answer(filter(List.of("https://app.example.com"), true),
                preflight("https://app.example.com", "POST", "X-Date"));
        assertThat(headers(r.response())).containsEntry("access-control-allow-origin", "https://app.example.com")
                .containsEntry("access-control-allow-credentials", "true");
    }

    @Test
    void wildcardSubdomainsMatchButNotTheBareDomainOrOtherSchemes() {
        CorsFilter f = filter(List.of("https://*.example.com"), false);
        assertThat(headers(answer(f, preflight("https://a.b.example.com", "GET", null)).response()))
                .containsKey("access-control-allow-origin");
        assertThat(headers(answer(f, preflight("https://example.com", "GET", null)).response()))
                .doesNotContainKey("access-control-allow-origin");
        assertThat(headers(answer(f, preflight("http://a.example.com", "GET", null)).response()))
                .doesNotContainKey("access-control-allow-origin");
    }

    @Test
    void disallowedMethodOrHeaderGetsNoPermission() {
        CorsFilter f = filter(List.of("*"), false);
        assertThat(headers(answer(f, preflight("https://x.test", "DELETE", null)).response()))
                .doesNotContainKey("access-control-allow-origin");
        assertThat(headers(answer(f, preflight("https://x.test", "GET", "x-date, x-secret")).response()))
                .doesNotContainKey("access-control-allow-origin");
        assertThat(answer(f, preflight("https://x.test", "GET", "x-date")).response().status().code())
                .isEqualTo(204);
    }

    @Test
    void responsesToAllowedOriginsGetAllowOriginAndVary() {
        CorsFilter f = filter(List.of("https://app.example.com"), false);
        HttpHeaders req = new DefaultHttpHeaders().set("origin", "https://app.example.com");
        HttpHeaders resp = new DefaultHttpHeaders();
        f.onResponse(request(HttpMethod.GET, req), resp);
        assertThat(resp.get("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(resp.get("vary")).isEqualTo("Origin");
        HttpHeaders other = new DefaultHttpHeaders();
        f.onResponse(request(HttpMethod.GET, new DefaultHttpHeaders().set("origin", "https://evil.test")), other);
        assertThat(other.isEmpty()).isTrue();
    }

    @Test
    void editsResponsesOnlyOfRequestsFromAllowedOrigins() {
        CorsFilter f = filter(List.of("https://app.example.com"), false);
        assertThat(f.editsResponse(request(HttpMethod.GET,
                new DefaultHttpHeaders().set("origin", "https://app.example.com")))).isTrue();
        assertThat(f.editsResponse(request(HttpMethod.GET,
                new DefaultHttpHeaders().set("origin", "https://evil.test")))).isFalse();
        assertThat(f.editsResponse(request(HttpMethod.GET, new DefaultHttpHeaders()))).isFalse();
    }
}
