package dev.gateway.filters.cors;

import static dev.gateway.core.testing.TestRequests.refusalCode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.testing.TestRequests;
import dev.gateway.filters.cors.CorsConfig.Mode;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorsFilterTest {
    static final String APP = "https://app.example.com";
    static final String EVIL = "https://evil.example";

    static CorsFilter filter(Mode mode, List<String> origins, boolean credentials) {
        return new CorsFilter(new CorsConfig(mode, origins, List.of("GET", "POST", "PUT"), List.of("x-date",
                "content-type"), List.of("x-request-id"), credentials, Duration.ofSeconds(60)));
    }

    static CorsFilter strict(String... origins) {
        return filter(Mode.STRICT, List.of(origins), false);
    }

    static CorsFilter permissive(String... origins) {
        return filter(Mode.PERMISSIVE, List.of(origins), false);
    }

    static RequestContext request(HttpMethod m, HttpHeaders h) {
        return TestRequests.context("r", m.name(), "/x", "HTTP/1.1", h);
    }

    static RequestContext from(String origin, HttpMethod m) {
        return request(m, new DefaultHttpHeaders().set("origin", origin));
    }

    static RequestContext preflight(String origin, String method, String headers) {
        HttpHeaders h = new DefaultHttpHeaders().set("origin", origin).set("access-control-request-method", method);
        if (headers != null) {
            h.set("access-control-request-headers", headers);
        }
        return request(HttpMethod.OPTIONS, h);
    }

    static FilterResult result(CorsFilter f, RequestContext ctx) {
        return f.apply(ctx).toCompletableFuture().join();
    }

    static GatewayResponse answer(CorsFilter f, RequestContext ctx) {
        FilterResult r = result(f, ctx);
        assertThat(r).isInstanceOf(FilterResult.Respond.class);
        return ((FilterResult.Respond) r).response();
    }

    /** The response's headers as name -> value (names are unique in a preflight answer). */
    static Map<String, String> headers(GatewayResponse r) {
        Map<String, String> m = new HashMap<>();
        r.headers().forEach(h -> m.put(h.name(), h.value()));
        return m;
    }

    /**
     * The headers of a response (from the upstream or a later filter) to {@code ctx} after the filter let it through,
     * as the exchange builds them: the headers the filter added to the context, then its onResponse hook.
     */
    static HttpHeaders responseTo(CorsFilter f, RequestContext ctx, HttpHeaders upstream) {
        assertThat(result(f, ctx)).isInstanceOf(FilterResult.Continue.class);
        if (ctx.responseHeadersAdded() != null) {
            ctx.responseHeadersAdded().forEach(h -> upstream.add(h.name(), h.value()));
        }
        if (f.editsResponse(ctx)) {
            f.onResponse(ctx, upstream);
        }
        return upstream;
    }

    // --- requests without Origin ---

    @Test
    void requestsWithoutOriginPass() {
        assertThat((Object) strict(APP).apply(request(HttpMethod.POST, new DefaultHttpHeaders())))
                .isSameAs(FilterResult.PROCEED);
        assertThat((Object) strict("*").apply(request(HttpMethod.OPTIONS, new DefaultHttpHeaders()
                .set("access-control-request-method", "PUT")))).isSameAs(FilterResult.PROCEED);
    }

    @Test
    void responsesToRequestsWithoutOriginVaryOnOriginUnlessTheListIsOnlyStar() {
        RequestContext noOrigin = request(HttpMethod.GET, new DefaultHttpHeaders());
        HttpHeaders listed = responseTo(strict(APP), noOrigin, new DefaultHttpHeaders());
        assertThat(listed.getAll("vary")).containsExactly("Origin");
        assertThat(listed.contains("access-control-allow-origin")).isFalse();
        // Vary comes through the context, so the upstream's head stays on the fast path.
        assertThat(strict(APP).editsResponse(noOrigin)).isFalse();

        CorsFilter any = strict("*");
        RequestContext noOriginToAny = request(HttpMethod.GET, new DefaultHttpHeaders());
        assertThat(responseTo(any, noOriginToAny, new DefaultHttpHeaders()).isEmpty()).isTrue();
        assertThat(noOriginToAny.responseHeadersAdded()).isNull();
    }

    // --- actual requests ---

    @Test
    void strictRefusesARequestFromAnOriginNotAllowed() {
        FilterResult r = result(strict(APP), from(EVIL, HttpMethod.POST));
        assertThat(refusalCode(r)).isEqualTo("cors_origin_denied");
        var error = ((FilterResult.Refuse) r).error();
        assertThat(error.status().code()).isEqualTo(403);
        assertThat(error.headers()).extracting(h -> h.name() + ": " + h.value()).containsExactly("vary: Origin");
    }

    @Test
    void strictRefusalsAreBuiltOnce() {
        CorsFilter f = strict(APP);
        assertThat((Object) f.apply(from(EVIL, HttpMethod.POST))).isSameAs(f.apply(from("https://other.test",
                HttpMethod.GET)));
    }

    @Test
    void strictLetsAnAllowedOriginThrough() {
        assertThat((Object) strict(APP, "https://*.example.com").apply(from("https://a.example.com", HttpMethod.POST)))
                .isSameAs(FilterResult.PROCEED);
    }

    @Test
    void strictRefusesTheNullOriginUnlessListed() {
        assertThat(refusalCode(result(strict("*"), from("null", HttpMethod.GET)))).isEqualTo("cors_origin_denied");
        assertThat((Object) strict("null").apply(from("null", HttpMethod.GET))).isSameAs(FilterResult.PROCEED);
    }

    @Test
    void permissiveForwardsARequestFromAnOriginNotAllowedWithoutCorsHeaders() {
        CorsFilter f = permissive(APP);
        RequestContext evil = from(EVIL, HttpMethod.POST);
        assertThat((Object) f.apply(evil)).isSameAs(FilterResult.PROCEED);
        HttpHeaders h = responseTo(f, evil, new DefaultHttpHeaders());
        assertThat(h.contains("access-control-allow-origin")).isFalse();
        assertThat(h.get("vary")).isEqualTo("Origin");
    }

    @Test
    void responsesToAllowedOriginsGetAllowOriginExposeAndVary() {
        HttpHeaders h = responseTo(strict(APP), from(APP, HttpMethod.GET), new DefaultHttpHeaders());
        assertThat(h.get("access-control-allow-origin")).isEqualTo(APP);
        assertThat(h.get("access-control-expose-headers")).isEqualTo("x-request-id");
        assertThat(h.get("vary")).isEqualTo("Origin");
        assertThat(h.contains("access-control-allow-credentials")).isFalse();
    }

    @Test
    void anyOriginWithoutCredentialsAnswersStarWithoutVary() {
        CorsFilter f = strict("*");
        assertThat(f.editsResponse(from(EVIL, HttpMethod.GET))).isTrue();
        HttpHeaders h = responseTo(f, from(EVIL, HttpMethod.GET), new DefaultHttpHeaders());
        assertThat(h.get("access-control-allow-origin")).isEqualTo("*");
        assertThat(h.contains("vary")).isFalse();
    }

    @Test
    void credentialsEchoTheOriginAndAreNeverSentWithStar() {
        CorsFilter f = filter(Mode.STRICT, List.of(APP, "https://*.example.com"), true);
        HttpHeaders h = responseTo(f, from("https://a.example.com", HttpMethod.GET), new DefaultHttpHeaders());
        assertThat(h.get("access-control-allow-origin")).isEqualTo("https://a.example.com");
        assertThat(h.get("access-control-allow-credentials")).isEqualTo("true");
        assertThat(h.get("vary")).isEqualTo("Origin");
    }

    @Test
    void credentialsWithStarCannotBeConfigured() {
        assertThatThrownBy(() -> filter(Mode.STRICT, List.of("*"), true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"*\"");
        assertThatThrownBy(() -> filter(Mode.PERMISSIVE, List.of(APP, "*"), true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void varyOriginIsALineOfItsOwnBesideTheUpstreamsVary() {
        HttpHeaders h = responseTo(strict(APP), from(APP, HttpMethod.GET),
                new DefaultHttpHeaders().add("vary", "Accept-Encoding").add("vary", "Accept-Language"));
        assertThat(h.getAll("vary")).containsExactly("Accept-Encoding", "Accept-Language", "Origin");
    }

    // --- preflights ---

    @Test
    void allowedPreflightGets204WithThePermissions() {
        GatewayResponse r = answer(filter(Mode.STRICT, List.of(APP), true), preflight(APP, "PUT",
                "X-Date,Content-Type"));
        assertThat(r.status().code()).isEqualTo(204);
        assertThat(headers(r)).containsEntry("access-control-allow-origin", APP)
                .containsEntry("access-control-allow-methods", "GET, POST, PUT")
                .containsEntry("access-control-allow-headers", "x-date, content-type")
                .containsEntry("access-control-max-age", "60")
                .containsEntry("access-control-allow-credentials", "true")
                .containsEntry("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    }

    @Test
    void allowedPreflightForAnyOriginAnswersStarAndIsBuiltOnce() {
        CorsFilter f = strict("*");
        assertThat(headers(answer(f, preflight(EVIL, "GET", null))))
                .containsEntry("access-control-allow-origin", "*");
        assertThat((Object) f.apply(preflight(EVIL, "GET", null)))
                .isSameAs(f.apply(preflight(APP, "POST", "x-date")));
    }

    @Test
    void strictRefusesAPreflightFromAnOriginNotAllowed() {
        FilterResult r = result(strict(APP), preflight(EVIL, "POST", null));
        assertThat(refusalCode(r)).isEqualTo("cors_origin_denied");
        assertThat(((FilterResult.Refuse) r).error().headers()).extracting(h -> h.name() + ": " + h.value())
                .containsExactly("vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    }

    @Test
    void strictRefusesAPreflightForAMethodNotAllowed() {
        assertThat(refusalCode(result(strict(APP), preflight(APP, "DELETE", null)))).isEqualTo("cors_method_denied");
        // Methods are compared as sent, as browsers compare them with Access-Control-Allow-Methods.
        assertThat(refusalCode(result(strict(APP), preflight(APP, "put", null)))).isEqualTo("cors_method_denied");
    }

    @Test
    void strictRefusesAPreflightForAHeaderNotAllowed() {
        CorsFilter f = strict(APP);
        assertThat(refusalCode(result(f, preflight(APP, "GET", "x-date,x-secret")))).isEqualTo("cors_header_denied");
        assertThat(refusalCode(result(f, preflight(APP, "GET", "x-dates")))).isEqualTo("cors_header_denied");
        assertThat(refusalCode(result(f, preflight(APP, "GET", "x-dat")))).isEqualTo("cors_header_denied");
        assertThat(answer(f, preflight(APP, "GET", "X-Date ,  content-type")).status().code()).isEqualTo(204);
        assertThat(answer(f, preflight(APP, "GET", "")).status().code()).isEqualTo(204);
    }

    @Test
    void strictChecksTheOriginBeforeTheMethod() {
        assertThat(refusalCode(result(strict(APP), preflight(EVIL, "DELETE", "x-secret"))))
                .isEqualTo("cors_origin_denied");
    }

    @Test
    void permissiveAnswersARefusedPreflight204WithoutPermissions() {
        CorsFilter f = permissive(APP);
        for (RequestContext ctx : List.of(preflight(EVIL, "GET", null), preflight(APP, "DELETE", null),
                preflight(APP, "GET", "x-secret"))) {
            GatewayResponse r = answer(f, ctx);
            assertThat(r.status().code()).isEqualTo(204);
            assertThat(headers(r)).doesNotContainKey("access-control-allow-origin")
                    .containsKey("vary");
        }
    }

    @Test
    void optionsWithOriginButNoRequestMethodIsAnActualRequest() {
        assertThat((Object) strict(APP).apply(from(APP, HttpMethod.OPTIONS))).isSameAs(FilterResult.PROCEED);
        assertThat(refusalCode(result(strict(APP), from(EVIL, HttpMethod.OPTIONS)))).isEqualTo("cors_origin_denied");
    }
}
