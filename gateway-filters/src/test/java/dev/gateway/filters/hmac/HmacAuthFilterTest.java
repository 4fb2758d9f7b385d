package dev.gateway.filters.hmac;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.config.App;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayException;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.auth.LocalReplayStore;
import dev.gateway.core.metadata.EmbeddedMetadata;
import dev.gateway.core.testing.TestRequests;
import dev.gateway.filters.authz.AuthorizationConfig;
import dev.gateway.filters.authz.AuthorizationFilterFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hmac-auth filter as a plain object: contexts in, results out, a fixed clock. */
class HmacAuthFilterTest {
    static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final App ALICE = new App("alice", List.of(b("old-secret"), b("new-secret")), true, Set.of("orders"),
            Set.of(), "partners", "gold", List.of());
    static final App BOB = new App("bob", List.of(b("bob-secret")), false, Set.of("orders"), Set.of(), null,
            "default", List.of());
    static final EmbeddedMetadata APPS = new EmbeddedMetadata(List.of(ALICE, BOB));
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final LocalReplayStore replays = new LocalReplayStore(10_000);

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String date(Instant t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(t, ZoneOffset.UTC));
    }

    HmacAuthConfig config(boolean anonymous, boolean replay, boolean sha1, List<String> required) {
        return new HmacAuthConfig(required, Duration.ofSeconds(300), true, anonymous, "shop", sha1, replay, false);
    }

    GatewayFilter filter(HmacAuthConfig c) {
        return new HmacAuthFilterFactory(APPS, replays, meters, CLOCK).create(
                TestRequests.filterContext("orders", null), c);
    }

    GatewayFilter filter() {
        return filter(config(false, false, false, List.of("x-date", "request-line")));
    }

    static RequestContext request(String method, String target, String version, HttpHeaders h) {
        return TestRequests.context("orders", method, target, version, h);
    }

    /** Headers of a request signed by {@code key} with {@code secret} over x-date and request-line. */
    static HttpHeaders signed(String key, String secret, HmacAlgorithm alg, Instant at, String method, String target,
            String version) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("x-date", date(at));
        String signing = SigningString.build(List.of("x-date", "request-line"), method, target, version, h::get);
        h.set("authorization", "hmac username=\"" + key + "\", algorithm=\"" + alg.wireName()
                + "\", headers=\"x-date request-line\", signature=\"" + HmacVerifier.sign(alg, b(secret), signing)
                + "\"");
        return h;
    }

    /** The filter continued synchronously with the shared stage (AssertJ would wrap a stage, so compare here). */
    static void assertProceeds(java.util.concurrent.CompletionStage<FilterResult> stage) {
        assertThat(stage == FilterResult.PROCEED)
                .as(() -> "expected PROCEED, got " + stage.toCompletableFuture().join()).isTrue();
    }

    static FilterResult result(GatewayFilter f, RequestContext ctx) {
        return f.apply(ctx).toCompletableFuture().join();
    }

    static String error(FilterResult r) {
        return TestRequests.refusalCode(r);
    }

    @Test
    void acceptsValidSignatureWithoutAllocatingAStage() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/orders?id=1",
                "HTTP/1.1");
        RequestContext ctx = request("GET", "/orders?id=1", "HTTP/1.1", h);
        var stage = filter().apply(ctx);
        assertThat(stage == FilterResult.PROCEED).as(() -> String.valueOf(stage.toCompletableFuture().join()))
                .isTrue();
        assertThat(ctx.get(StandardAttrs.APP)).isSameAs(ALICE);
        assertThat(h.get("x-app-key")).isEqualTo("alice");
        assertThat(h.get("x-consumer-group")).isEqualTo("partners");
        assertThat(h.contains("authorization")).isFalse(); // hide-credentials
    }

    @Test
    void acceptsTheOldSecretDuringRotation() {
        HttpHeaders h = signed("alice", "old-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertProceeds(filter().apply(request("GET", "/x", "HTTP/1.1", h)));
    }

    @Test
    void signsTheHttp10RequestLineWithItsOwnVersion() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.0");
        assertProceeds(filter().apply(request("GET", "/x", "HTTP/1.0", h)));
        HttpHeaders h11 = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.0", h11)))).isEqualTo("signature_mismatch");
    }

    @Test
    void aSignatureMismatchTellsTheSigningStringTheGatewayBuiltAndNoSecret() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        FilterResult r = result(filter(), request("GET", "/y?z=1", "HTTP/1.1", h));

        assertThat(r).isInstanceOfSatisfying(FilterResult.Refuse.class, refuse -> {
            assertThat(refuse.error().code()).isEqualTo("signature_mismatch");
            assertThat(refuse.error().fields()).containsExactly(new dev.gateway.core.http.GatewayError.Field(
                    "signing_string", "x-date: " + date(NOW) + "\nGET /y?z=1 HTTP/1.1"));
            assertThat(GatewayErrors.body(refuse.error(), "rid")).contains(
                    ",\"signing_string\":\"x-date: " + date(NOW) + "\\nGET /y?z=1 HTTP/1.1\"}")
                    .doesNotContain("secret");
        });
        assertThat(meters.get("gateway.auth.failures").tag("reason", "signature_mismatch").counter().count())
                .isEqualTo(1);
    }

    @Test
    void theSigningStringHintIsCutToItsBound() {
        String longTarget = "/" + "a".repeat(5000);
        HttpHeaders h = signed("alice", "wrong-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", longTarget,
                "HTTP/1.1");
        FilterResult r = result(filter(), request("GET", longTarget, "HTTP/1.1", h));

        assertThat(r).isInstanceOfSatisfying(FilterResult.Refuse.class, refuse ->
                assertThat(refuse.error().fields().get(0).value()).hasSize(HmacAuthFilter.MAX_HINT + 3)
                        .endsWith("aaa..."));
    }

    @Test
    void verifiesTheRawEncodedTargetExactlyAsReceived() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/a%2Fb?q=%20x",
                "HTTP/1.1");
        assertProceeds(filter().apply(request("GET", "/a%2Fb?q=%20x", "HTTP/1.1", h)));
        HttpHeaders h2 = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/a%2Fb?q=%20x",
                "HTTP/1.1");
        assertThat(error(result(filter(), request("GET", "/a/b?q= x", "HTTP/1.1", h2))))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void missingCredentialsGet401WithRealm() {
        FilterResult r = result(filter(), request("GET", "/x", "HTTP/1.1", new DefaultHttpHeaders()));
        assertThat(error(r)).isEqualTo("missing_credentials");
        var refusal = ((FilterResult.Refuse) r).error();
        assertThat(refusal.status().code()).isEqualTo(401);
        assertThat(refusal.headers()).containsExactly(
                new dev.gateway.core.http.Header("www-authenticate", "hmac realm=\"shop\""));
        assertThat(meters.get("gateway.auth.failures").tag("reason", "missing_credentials").counter().count())
                .isEqualTo(1.0);
    }

    @Test
    void anonymousRouteLetsUnsignedRequestsThrough() {
        RequestContext ctx = request("GET", "/x", "HTTP/1.1", new DefaultHttpHeaders());
        assertProceeds(filter(config(true, false, false, List.of())).apply(ctx));
        assertThat(ctx.get(StandardAttrs.APP)).isNull();
    }

    @Test
    void spoofedAppHeadersAreAlwaysRemoved() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-app-key", "admin").set("x-consumer-group", "root");
        filter(config(true, false, false, List.of())).apply(request("GET", "/x", "HTTP/1.1", h));
        assertThat(h.contains("x-app-key")).isFalse();
        assertThat(h.contains("x-consumer-group")).isFalse();
    }

    @Test
    void malformedHeaderIsInvalidAuthorizationHeader() {
        HttpHeaders h = new DefaultHttpHeaders().set("authorization", "hmac username=alice signature=x");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h))))
                .isEqualTo("invalid_authorization_header");
    }

    @Test
    void sha1NeedsTheRoutesPermission() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA1, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("unsupported_algorithm");
        HttpHeaders h2 = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA1, NOW, "GET", "/x", "HTTP/1.1");
        assertProceeds(filter(config(false, false, true, List.of())).apply(request("GET", "/x", "HTTP/1.1", h2)));
    }

    @Test
    void unknownAlgorithmIsUnsupported() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", date(NOW)).set("authorization",
                "hmac username=\"alice\", algorithm=\"hmac-md5\", headers=\"x-date\", signature=\"abc\"");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("unsupported_algorithm");
    }

    @Test
    void requiredHeaderMustBeSigned() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", date(NOW));
        String signing = SigningString.build(List.of("x-date"), "GET", "/x", "HTTP/1.1", h::get);
        h.set("authorization", "hmac username=\"alice\", headers=\"x-date\", signature=\""
                + HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, b("new-secret"), signing) + "\"");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h))))
                .isEqualTo("required_header_not_signed");
    }

    @Test
    void missingOrUnparsableDateIsMissingDate() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        h.remove("x-date");
        assertThat(error(result(filter(config(false, false, false, List.of())),
                request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("missing_date");
        h.set("date", "yesterday");
        assertThat(error(result(filter(config(false, false, false, List.of())),
                request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("missing_date");
    }

    @Test
    void skewExactlyAtTheLimitPassesOneSecondMoreFails() {
        for (int sign : new int[] {-1, 1}) {
            Instant atLimit = NOW.plusSeconds(sign * 300L);
            HttpHeaders ok = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, atLimit, "GET", "/x",
                    "HTTP/1.1");
            assertProceeds(filter().apply(request("GET", "/x", "HTTP/1.1", ok)));
            Instant past = NOW.plusSeconds(sign * 301L);
            HttpHeaders late = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, past, "GET", "/x",
                    "HTTP/1.1");
            assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", late)))).isEqualTo("clock_skew");
        }
    }

    @Test
    void xDateIsTriedBeforeDate() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        h.set("date", date(NOW.minusSeconds(3600)));
        assertProceeds(filter().apply(request("GET", "/x", "HTTP/1.1", h)));
    }

    @Test
    void unknownAppGets401() {
        HttpHeaders h = signed("mallory", "x", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("unknown_app");
    }

    @Test
    void aSourceThatCannotAnswerIsUnavailableNotUnknownApp() {
        MetadataSource down = new MetadataSource() {
            @Override
            public App cached(String key) {
                return null;
            }

            @Override
            public CompletionStage<App> find(String key) {
                return CompletableFuture.failedStage(new IllegalStateException("redis is not connected"));
            }
        };
        GatewayFilter f = new HmacAuthFilterFactory(down, replays, meters, CLOCK).create(
                TestRequests.filterContext("orders", null), config(false, false, false, List.of()));
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        CompletableFuture<FilterResult> stage = f.apply(request("GET", "/x", "HTTP/1.1", h)).toCompletableFuture();
        assertThat(stage).isCompletedExceptionally();
        Throwable cause = stage.handle((r, t) -> t.getCause()).join();
        assertThat(cause).isInstanceOf(GatewayException.class);
        assertThat(((GatewayException) cause).error()).isEqualTo(GatewayErrors.METADATA_UNAVAILABLE);
        assertThat(((GatewayException) cause).error().status().code()).isEqualTo(503);
    }

    @Test
    void wrongSecretIsSignatureMismatch() {
        HttpHeaders h = signed("alice", "guess", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(error(result(filter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("signature_mismatch");
    }

    @Test
    void disabledAppGets403() {
        HttpHeaders h = signed("bob", "bob-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        FilterResult r = result(filter(), request("GET", "/x", "HTTP/1.1", h));
        assertThat(error(r)).isEqualTo("app_disabled");
        assertThat(((FilterResult.Refuse) r).error().status().code()).isEqualTo(403);
    }

    @Test
    void replayedSignatureIsRefusedWhenProtectionIsOn() {
        GatewayFilter f = filter(config(false, true, false, List.of()));
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(result(f, request("GET", "/x", "HTTP/1.1", h.copy()))).isEqualTo(FilterResult.CONTINUE);
        assertThat(error(result(f, request("GET", "/x", "HTTP/1.1", h.copy())))).isEqualTo("replayed_request");
        // Off: the same signature may be used again within the skew (Kong's behaviour).
        GatewayFilter off = filter(config(false, false, false, List.of()));
        assertProceeds(off.apply(request("GET", "/x", "HTTP/1.1", h.copy())));
        assertProceeds(off.apply(request("GET", "/x", "HTTP/1.1", h.copy())));
    }

    @Test
    void refusesWith503WhenTheReplayStoreCannotAnswer() {
        dev.gateway.core.auth.ReplayStore down = (key, ttl) -> java.util.concurrent.CompletableFuture.failedStage(
                new IllegalStateException("redis is down"));
        GatewayFilter f = new HmacAuthFilterFactory(APPS, down, meters, CLOCK).create(
                TestRequests.filterContext("orders", null), config(false, true, false, List.of()));
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        FilterResult r = result(f, request("GET", "/x", "HTTP/1.1", h));
        assertThat(error(r)).isEqualTo("replay_check_unavailable");
        assertThat(((FilterResult.Refuse) r).error().status().code()).isEqualTo(503);
        assertThat(meters.get("gateway.auth.failures").tag("reason", "replay_check_unavailable").counter().count())
                .isEqualTo(1);
    }

    @Test
    void replayStoreOutlivesTheFilterSoARecompiledRouteStillRefusesAReplay() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        assertThat(result(filter(config(false, true, false, List.of())), request("GET", "/x", "HTTP/1.1", h.copy())))
                .isEqualTo(FilterResult.CONTINUE);

        GatewayFilter recompiled = filter(config(false, true, false, List.of()));

        assertThat(error(result(recompiled, request("GET", "/x", "HTTP/1.1", h.copy())))).isEqualTo("replayed_request");
    }

    @Test
    void proxyAuthorizationIsCheckedFirst() {
        HttpHeaders h = signed("alice", "new-secret", HmacAlgorithm.HMAC_SHA256, NOW, "GET", "/x", "HTTP/1.1");
        h.set("proxy-authorization", h.get("authorization"));
        h.set("authorization", "hmac username=\"alice\", headers=\"x-date\", signature=\"bad\"");
        assertProceeds(filter().apply(request("GET", "/x", "HTTP/1.1", h)));
    }

    // Known answers: signatures computed outside the gateway, once, by
    //   printf '%s' "$SIGNING_STRING" | openssl dgst -sha256 -hmac new-secret -binary | base64
    // with the signing string given in each comment ($'...' quoting: \n is the newline). NOW is Mon, 23 Nov 2026
    // 10:00:00 GMT; 09:54:59 is 301 s before it, one second past the 300 s skew.
    static final String NOW_HTTP = "Mon, 23 Nov 2026 10:00:00 GMT";
    static final String STALE_HTTP = "Mon, 23 Nov 2026 09:54:59 GMT";
    /** $'x-date: Mon, 23 Nov 2026 10:00:00 GMT\nGET /orders?id=1 HTTP/1.1' */
    static final String SIG_XDATE_ORDERS = "ymrVL76RHvmuTEK6gWROJMc0O0SUtk8lF/1BIHbtDMw=";
    /** $'x-date: Mon, 23 Nov 2026 10:00:00 GMT\nGET /elsewhere HTTP/1.1' (right key, another request) */
    static final String SIG_XDATE_ELSEWHERE = "fQoBIgBAnUIdiRdCnHPfUNGDH4UTzWNQEHsCizrefx4=";
    /** $'date: Mon, 23 Nov 2026 10:00:00 GMT\nGET /x HTTP/1.1' */
    static final String SIG_DATE = "dCQgj6slIoGlmKuTc5aWpcTizGQcS0ay4QYIEj3rLIc=";
    /** $'x-date: not a date\ndate: Mon, 23 Nov 2026 10:00:00 GMT\nGET /x HTTP/1.1' */
    static final String SIG_BAD_XDATE_AND_DATE = "b3xVdMXRZI6BTt+GdeR7ylUSBbHp5uUSwEctSFZmNDQ=";
    /** $'x-date: not a date\nGET /x HTTP/1.1' */
    static final String SIG_BAD_XDATE = "CZMpIZX9jwmjpGXQTN2gYvSkX/NoDCBC6GbLgurgNIA=";
    /** $'date: Mon, 23 Nov 2026 09:54:59 GMT\nGET /x HTTP/1.1' */
    static final String SIG_STALE_DATE = "I3OYiCx6Jr2rFpdZXZj4fR6VmoTOl6y1kdjDHTCI6co=";
    /** $'x-date: Mon, 23 Nov 2026 09:54:59 GMT\nGET /x HTTP/1.1' */
    static final String SIG_STALE_XDATE = "ukLiLxmy/RhI3ayl5qySS1JK8Z3ye/wgAsJTlQzitCI=";

    /** A credentials header value for app alice, written out as a Kong client sends it. */
    static String aliceHmac(String headers, String signature) {
        return "hmac username=\"alice\", algorithm=\"hmac-sha256\", headers=\"" + headers + "\", signature=\""
                + signature + "\"";
    }

    /** hide-credentials on, nothing required: requests may sign date instead of x-date. */
    GatewayFilter lenientFilter() {
        return filter(config(false, false, false, List.of()));
    }

    @Test
    void signedProxyAuthorizationIsAccepted() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS));
        RequestContext ctx = request("GET", "/orders?id=1", "HTTP/1.1", h);
        assertProceeds(filter().apply(ctx));
        assertThat(ctx.get(StandardAttrs.APP)).isSameAs(ALICE);
        assertThat(h.get("x-app-key")).isEqualTo("alice");
    }

    @Test
    void proxyAuthorizationWinsOverAuthorizationAsInKong() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS))
                .set("authorization", aliceHmac("x-date request-line", SIG_XDATE_ELSEWHERE));
        assertProceeds(filter().apply(request("GET", "/orders?id=1", "HTTP/1.1", h)));
        // Swapped: the valid signature in Authorization does not rescue a failing Proxy-Authorization.
        HttpHeaders swapped = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", aliceHmac("x-date request-line", SIG_XDATE_ELSEWHERE))
                .set("authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS));
        assertThat(error(result(filter(), request("GET", "/orders?id=1", "HTTP/1.1", swapped))))
                .isEqualTo("signature_mismatch");
    }

    @Test
    void proxyAuthorizationWithoutHmacCredentialsFallsBackToAuthorization() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", "Basic Zm9vOmJhcg==")
                .set("authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS));
        assertProceeds(filter().apply(request("GET", "/orders?id=1", "HTTP/1.1", h)));
    }

    @Test
    void hideCredentialsRemovesOnlyTheHeaderThatCarriedThem() {
        HttpHeaders byProxy = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS))
                .set("authorization", "Bearer for-the-upstream");
        assertProceeds(filter().apply(request("GET", "/orders?id=1", "HTTP/1.1", byProxy)));
        assertThat(byProxy.contains("proxy-authorization")).isFalse();
        assertThat(byProxy.get("authorization")).isEqualTo("Bearer for-the-upstream");

        HttpHeaders direct = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", "Basic Zm9vOmJhcg==")
                .set("authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS));
        assertProceeds(filter().apply(request("GET", "/orders?id=1", "HTTP/1.1", direct)));
        assertThat(direct.contains("authorization")).isFalse();
        // Not this filter's to remove; the exchange drops Proxy-Authorization before the upstream anyway.
        assertThat(direct.get("proxy-authorization")).isEqualTo("Basic Zm9vOmJhcg==");
    }

    @Test
    void withoutHideCredentialsTheCredentialsStayForLaterFilters() {
        GatewayFilter keep = filter(new HmacAuthConfig(List.of(), Duration.ofSeconds(300), false, false, "shop",
                false, false, false));
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", NOW_HTTP)
                .set("proxy-authorization", aliceHmac("x-date request-line", SIG_XDATE_ORDERS));
        assertProceeds(keep.apply(request("GET", "/orders?id=1", "HTTP/1.1", h)));
        assertThat(h.contains("proxy-authorization")).isTrue();
    }

    @Test
    void unparsableXDateFallsBackToTheSignedDate() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", "not a date").set("date", NOW_HTTP)
                .set("authorization", aliceHmac("date request-line", SIG_DATE));
        assertProceeds(lenientFilter().apply(request("GET", "/x", "HTTP/1.1", h)));
    }

    @Test
    void unparsableXDateThatIsSignedStillFallsBackToDate() {
        // What is signed is what headers= lists (here the bad X-Date as sent); freshness comes from Date.
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", "not a date").set("date", NOW_HTTP)
                .set("authorization", aliceHmac("x-date date request-line", SIG_BAD_XDATE_AND_DATE));
        assertProceeds(lenientFilter().apply(request("GET", "/x", "HTTP/1.1", h)));
    }

    @Test
    void unparsableXDateWithoutDateIsMissingDate() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", "not a date")
                .set("authorization", aliceHmac("x-date request-line", SIG_BAD_XDATE));
        assertThat(error(result(lenientFilter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("missing_date");
    }

    @Test
    void staleDateChosenAfterAnUnparsableXDateIsClockSkew() {
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", "not a date").set("date", STALE_HTTP)
                .set("authorization", aliceHmac("date request-line", SIG_STALE_DATE));
        assertThat(error(result(lenientFilter(), request("GET", "/x", "HTTP/1.1", h.copy()))))
                .isEqualTo("clock_skew");
        // The same request is fine at the time it was signed: the date was the only problem.
        GatewayFilter then = new HmacAuthFilterFactory(APPS, replays, meters,
                Clock.fixed(NOW.minusSeconds(301), ZoneOffset.UTC)).create(TestRequests.filterContext("orders", null),
                config(false, false, false, List.of()));
        assertProceeds(then.apply(request("GET", "/x", "HTTP/1.1", h.copy())));
    }

    @Test
    void staleXDateIsNotRescuedByAFreshDate() {
        // Kong would try Date here too; an unsigned fresh Date would then let a captured request be replayed.
        HttpHeaders h = new DefaultHttpHeaders().set("x-date", STALE_HTTP).set("date", NOW_HTTP)
                .set("authorization", aliceHmac("x-date request-line", SIG_STALE_XDATE));
        assertThat(error(result(lenientFilter(), request("GET", "/x", "HTTP/1.1", h)))).isEqualTo("clock_skew");
    }

    static String sha256(byte[] body) throws Exception {
        return java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(body));
    }

    /** A POST signed over x-date, request-line and digest, with the given Digest header value (or none). */
    static RequestContext post(byte[] body, String digest, boolean signDigest) {
        HttpHeaders h = new DefaultHttpHeaders();
        h.set("x-date", date(NOW));
        if (digest != null) {
            h.set("digest", digest);
        }
        List<String> names = signDigest ? List.of("x-date", "request-line", "digest") : List.of("x-date",
                "request-line");
        String signing = SigningString.build(names, "POST", "/orders", "HTTP/1.1", h::get);
        h.set("authorization", "hmac username=\"alice\", headers=\"" + String.join(" ", names) + "\", signature=\""
                + HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, b("new-secret"), signing) + "\"");
        RequestContext ctx = request("POST", "/orders", "HTTP/1.1", h);
        ctx.body(body);
        return ctx;
    }

    GatewayFilter digestFilter() {
        return filter(new HmacAuthConfig(List.of(), Duration.ofSeconds(300), false, false, "shop", false, false,
                true));
    }

    @Test
    void bodyWithMatchingSignedDigestPasses() throws Exception {
        byte[] body = new byte[1 << 20];
        new java.util.Random(1).nextBytes(body);
        assertProceeds(digestFilter().apply(post(body, "SHA-256=" + sha256(body), true)));
    }

    @Test
    void emptyBodyNeedsNoDigestButAGivenOneMustMatch() throws Exception {
        assertProceeds(digestFilter().apply(post(new byte[0], null, false)));
        assertProceeds(digestFilter().apply(post(new byte[0], "SHA-256=" + sha256(new byte[0]), true)));
        assertThat(error(result(digestFilter(), post(new byte[0], "SHA-256=" + sha256(b("x")), true))))
                .isEqualTo("digest_mismatch");
    }

    @Test
    void bodyWithWrongOrMissingDigestIsDigestMismatch() throws Exception {
        assertThat(error(result(digestFilter(), post(b("hello"), "SHA-256=" + sha256(b("other")), true))))
                .isEqualTo("digest_mismatch");
        assertThat(error(result(digestFilter(), post(b("hello"), null, true)))).isEqualTo("digest_mismatch");
        assertThat(error(result(digestFilter(), post(b("hello"), "MD5=abc", true)))).isEqualTo("digest_mismatch");
    }

    @Test
    void digestMustBeSignedWhenThereIsABody() throws Exception {
        assertThat(error(result(digestFilter(), post(b("hello"), "SHA-256=" + sha256(b("hello")), false))))
                .isEqualTo("required_header_not_signed");
    }

    @Test
    void authorizationRefusesAppsNotAllowedOnTheRoute() {
        GatewayFilter authz = new AuthorizationFilterFactory().create(
                TestRequests.filterContext("reports", "internal"),
                new AuthorizationConfig(Set.of(), Set.of()));
        RequestContext ctx = request("GET", "/x", "HTTP/1.1", new DefaultHttpHeaders());
        ctx.set(StandardAttrs.APP, ALICE);
        assertThat(error(result(authz, ctx))).isEqualTo("forbidden_route");
        GatewayFilter byGroup = new AuthorizationFilterFactory().create(
                TestRequests.filterContext("reports", "internal"),
                new AuthorizationConfig(Set.of(), Set.of("partners")));
        assertProceeds(byGroup.apply(ctx));
        GatewayFilter byApp = new AuthorizationFilterFactory().create(
                TestRequests.filterContext("reports", "internal"),
                new AuthorizationConfig(Set.of("alice"), Set.of()));
        assertProceeds(byApp.apply(ctx));
        GatewayFilter own = new AuthorizationFilterFactory().create(
                TestRequests.filterContext("orders", null), new AuthorizationConfig(Set.of(), Set.of()));
        assertProceeds(own.apply(ctx));
    }
}
