package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.gateway.core.config.ConfigException;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** hmac-auth and authorization through a running gateway, with apps from the YAML configuration. */
class HmacAuthIT {
    static TestUpstream upstream;
    static GatewayServer gateway;
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        upstream = TestUpstream.echo("u");
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["${U}"] }
                apps:
                  - key: shop-app
                    secrets: [s3cret-new, s3cret-old]
                    routes: [orders]
                    group: partners
                  - key: other-app
                    secrets: [other]
                  - key: off-app
                    secrets: [off]
                    enabled: false
                    routes: [orders]
                routes:
                  - id: orders
                    paths: [/orders/**]
                    methods: [GET, POST]
                    upstream: u
                    filters:
                      cors:
                        allow-origins: ["https://app.example.com", "https://*.shop.test"]
                        allow-headers: [authorization, x-date, digest]
                        expose-headers: [x-request-id]
                        max-age: 10m
                      hmac-auth: { required-headers: [x-date, request-line], hide-credentials: true, realm: shop }
                  - id: reports
                    paths: [/reports/**]
                    upstream: u
                    group: internal
                    filters:
                      hmac-auth: {}
                      authorization: { groups: [partners] }
                  - id: open
                    paths: [/open/**]
                    upstream: u
                    filters:
                      hmac-auth: { anonymous: true }
                  - id: public
                    paths: [/public/**]
                    upstream: u
                  - id: upload
                    paths: [/upload/**]
                    upstream: u
                    filters:
                      hmac-auth: { validate-body: true }
                      authorization: { apps: [shop-app] }
                """), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    static String accessLine(String requestId) {
        return Await.value(Duration.ofSeconds(5), "the access-log line of " + requestId,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("request_id=" + requestId + " ")).findFirst().orElse(null));
    }

    static String now() {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    static RawHttp.Response signedGet(String app, String secret, String target, String... extra) throws Exception {
        String date = now();
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", target, "HTTP/1.1",
                n -> n.equals("x-date") ? date : null);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, secret.getBytes(StandardCharsets.UTF_8), signing);
        StringBuilder sb = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Date: " + date + "\r\n"
                + "Authorization: hmac username=\"" + app + "\", algorithm=\"hmac-sha256\", "
                + "headers=\"x-date request-line\", signature=\"" + sig + "\"\r\n");
        for (String e : extra) {
            sb.append(e).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void signedRequestReachesUpstreamAsTheApp() throws Exception {
        RawHttp.Response r = signedGet("shop-app", "s3cret-new", "/orders/7?x=%20y", "X-App-Key: spoofed",
                "X-Consumer-Group: admins");
        assertThat(r.status()).isEqualTo(200);
        var h = upstream.last().headers();
        assertThat(h.get("x-app-key")).isEqualTo("shop-app");
        assertThat(h.get("x-consumer-group")).isEqualTo("partners");
        assertThat(h.contains("authorization")).isFalse();
    }

    @Test
    void theAccessLogNamesTheAppThatSigned() throws Exception {
        assertThat(signedGet("shop-app", "s3cret-new", "/orders/log", "X-Request-Id: signed-log-1").status())
                .isEqualTo(200);
        assertThat(signedGet("other-app", "other", "/orders/log", "X-Request-Id: signed-log-2").status())
                .isEqualTo(403);
        assertThat(RawHttp.exchange(gateway.port(), "GET /public/x HTTP/1.1\r\nHost: x\r\n"
                + "X-Request-Id: signed-log-3\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);

        assertThat(accessLine("signed-log-1")).contains(" app=shop-app ", " status=200 ", " route=orders ");
        assertThat(accessLine("signed-log-2")).contains(" app=other-app ", " status=403 ");
        assertThat(accessLine("signed-log-3")).contains(" app=- ", " status=200 ");
    }

    @Test
    void aRefusedGrpcCallGetsAGrpcStatusNotAn401() throws Exception {
        int before = upstream.received().size();
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "POST /orders/pkg.Svc/Call HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: application/grpc+proto\r\nX-Request-Id: grpc-1\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\n\0\0\0\0\0");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/grpc");
        assertThat(r.header("grpc-status")).isEqualTo("16");
        assertThat(r.header("grpc-message")).startsWith("missing_credentials: ");
        assertThat(r.header("www-authenticate")).isEqualTo("hmac realm=\"shop\"");
        assertThat(r.header("x-request-id")).isEqualTo("grpc-1");
        assertThat(r.body()).isEmpty();
        assertThat(upstream.received()).hasSize(before);
        // the same refusal of a plain request stays JSON
        assertThat(signedGet("other-app", "other", "/orders/x").status()).isEqualTo(403);
        RawHttp.Response denied = signedGet("other-app", "other", "/orders/x", "Content-Type: application/grpc");
        assertThat(denied.status()).isEqualTo(200);
        assertThat(denied.header("grpc-status")).isEqualTo("7");
    }

    @Test
    void oldSecretStillWorksDuringRotation() throws Exception {
        assertThat(signedGet("shop-app", "s3cret-old", "/orders/1").status()).isEqualTo(200);
    }

    @Test
    void unsignedRequestGets401JsonWithRealmAndRequestId() throws Exception {
        int before = upstream.received().size();
        RawHttp.Response r = RawHttp.exchange(gateway.port(),
                "GET /orders/1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: auth-1\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("www-authenticate")).isEqualTo("hmac realm=\"shop\"");
        assertThat(r.header("x-request-id")).isEqualTo("auth-1");
        assertThat(r.text()).isEqualTo("{\"error\":\"missing_credentials\",\"message\":\"the request carries no "
                + "HMAC credentials\",\"request_id\":\"auth-1\"}\n");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void wrongSecretGets401SignatureMismatch() throws Exception {
        RawHttp.Response r = signedGet("shop-app", "guess", "/orders/1");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text()).contains("\"error\":\"signature_mismatch\"");
    }

    @Test
    void disabledAppGets403() throws Exception {
        RawHttp.Response r = signedGet("off-app", "off", "/orders/1");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("\"error\":\"app_disabled\"");
    }

    @Test
    void appNotAllowedOnRouteGets403ForbiddenRoute() throws Exception {
        RawHttp.Response r = signedGet("other-app", "other", "/orders/1");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("\"error\":\"forbidden_route\"");
    }

    @Test
    void routeListingTheAppsGroupAdmitsIt() throws Exception {
        assertThat(signedGet("shop-app", "s3cret-new", "/reports/q").status()).isEqualTo(200);
        assertThat(signedGet("other-app", "other", "/reports/q").status()).isEqualTo(403);
    }

    @Test
    void anonymousRouteAndPublicRouteNeedNoSignature() throws Exception {
        assertThat(RawHttp.exchange(gateway.port(), "GET /open/x HTTP/1.1\r\nHost: x\r\nX-App-Key: fake\r\n"
                + "Connection: close\r\n\r\n").status()).isEqualTo(200);
        assertThat(upstream.last().headers().contains("x-app-key")).isFalse();
        assertThat(RawHttp.exchange(gateway.port(), "GET /public/x HTTP/1.1\r\nHost: x\r\nX-App-Key: fake\r\n"
                + "X-Consumer-Group: admins\r\nConnection: close\r\n\r\n").status()).isEqualTo(200);
        // Not even a route without auth lets a client pose as an app.
        assertThat(upstream.last().headers().contains("x-app-key")).isFalse();
        assertThat(upstream.last().headers().contains("x-consumer-group")).isFalse();
    }

    static RawHttp.Response signedPost(String target, byte[] body, String digest) throws Exception {
        String date = now();
        Map<String, String> h = new java.util.HashMap<>();
        h.put("x-date", date);
        h.put("digest", digest);
        String signing = SigningString.build(List.of("x-date", "request-line", "digest"), "POST", target,
                "HTTP/1.1", h::get);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, "s3cret-new".getBytes(StandardCharsets.UTF_8),
                signing);
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send("POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Date: " + date + "\r\nDigest: " + digest + "\r\n"
                    + "Authorization: hmac username=\"shop-app\", headers=\"x-date request-line digest\", "
                    + "signature=\"" + sig + "\"\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n");
            c.send(body);
            return c.read();
        }
    }

    static String sha256(byte[] body) throws Exception {
        return "SHA-256=" + java.util.Base64.getEncoder().encodeToString(
                java.security.MessageDigest.getInstance("SHA-256").digest(body));
    }

    @Test
    void bufferedBodyWithMatchingDigestIsForwardedWhole() throws Exception {
        byte[] body = new byte[2 << 20];
        new java.util.Random(7).nextBytes(body);
        RawHttp.Response r = signedPost("/upload/big", body, sha256(body));
        assertThat(r.status()).isEqualTo(200);
        assertThat(upstream.last().bodyBytes()).isEqualTo(body.length);
        assertThat(upstream.last().bodySha256()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(body)));
    }

    @Test
    void swappedBodyGets401DigestMismatch() throws Exception {
        int before = upstream.received().size();
        RawHttp.Response r = signedPost("/upload/x", "evil".getBytes(StandardCharsets.UTF_8),
                sha256("good".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text()).contains("\"error\":\"digest_mismatch\"");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void preflightOnAnAuthRoutePassesWithoutASignature() throws Exception {
        int before = upstream.received().size();
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "OPTIONS /orders/1 HTTP/1.1\r\nHost: x\r\n"
                + "Origin: https://app.example.com\r\nAccess-Control-Request-Method: POST\r\n"
                + "Access-Control-Request-Headers: Authorization, X-Date\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        assertThat(r.header("access-control-allow-methods")).contains("POST");
        assertThat(r.header("access-control-allow-headers")).contains("authorization", "x-date");
        assertThat(r.header("access-control-max-age")).isEqualTo("600");
        assertThat(r.header("content-length")).isNull();
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void preflightFromAnotherOriginIsRefused() throws Exception {
        RawHttp.Response r = RawHttp.exchange(gateway.port(), "OPTIONS /orders/1 HTTP/1.1\r\nHost: x\r\n"
                + "Origin: https://evil.test\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("\"error\":\"cors_origin_denied\"");
        assertThat(r.header("access-control-allow-origin")).isNull();
    }

    @Test
    void allowedOriginSeesCorsHeadersOnSuccessAndOnAuthErrors() throws Exception {
        RawHttp.Response ok = signedGet("shop-app", "s3cret-new", "/orders/9", "Origin: https://a.shop.test");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.header("access-control-allow-origin")).isEqualTo("https://a.shop.test");
        assertThat(ok.header("access-control-expose-headers")).isEqualTo("x-request-id");
        RawHttp.Response denied = RawHttp.exchange(gateway.port(), "GET /orders/9 HTTP/1.1\r\nHost: x\r\n"
                + "Origin: https://app.example.com\r\nConnection: close\r\n\r\n");
        assertThat(denied.status()).isEqualTo(401);
        assertThat(denied.header("access-control-allow-origin")).isEqualTo("https://app.example.com");
        // CORS runs before authentication: a signed call from an origin the route does not allow never reaches it.
        RawHttp.Response other = signedGet("shop-app", "s3cret-new", "/orders/9", "Origin: https://evil.test");
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.text()).contains("\"error\":\"cors_origin_denied\"");
        assertThat(other.header("access-control-allow-origin")).isNull();
    }

    // Kong clients: credentials in Proxy-Authorization, and Date when X-Date is unusable. Signed here with the JDK's
    // Mac directly, not the gateway's signer.

    static String hmacSha256(String secret, String signingString) throws Exception {
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return java.util.Base64.getEncoder().encodeToString(
                mac.doFinal(signingString.getBytes(StandardCharsets.UTF_8)));
    }

    /** {@code hmac ...} for a GET of {@code target} signed over {@code x-date request-line}. */
    static String signedOverXDate(String app, String secret, String date, String target) throws Exception {
        String sig = hmacSha256(secret, "x-date: " + date + "\nGET " + target + " HTTP/1.1");
        return "hmac username=\"" + app + "\", algorithm=\"hmac-sha256\", headers=\"x-date request-line\", "
                + "signature=\"" + sig + "\"";
    }

    /** {@code hmac ...} for a GET of {@code target} signed by shop-app over {@code date request-line}. */
    static String signedOverDate(String date, String target) throws Exception {
        String sig = hmacSha256("s3cret-new", "date: " + date + "\nGET " + target + " HTTP/1.1");
        return "hmac username=\"shop-app\", algorithm=\"hmac-sha256\", headers=\"date request-line\", "
                + "signature=\"" + sig + "\"";
    }

    static RawHttp.Response get(String target, String... headerLines) throws Exception {
        StringBuilder sb = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: x\r\n");
        for (String l : headerLines) {
            sb.append(l).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), sb.append("Connection: close\r\n\r\n").toString());
    }

    @Test
    void signedProxyAuthorizationIsAcceptedAndNeverForwarded() throws Exception {
        String date = now();
        RawHttp.Response r = get("/reports/pa", "X-Date: " + date,
                "Proxy-Authorization: " + signedOverXDate("shop-app", "s3cret-new", date, "/reports/pa"));
        assertThat(r.status()).isEqualTo(200);
        var h = upstream.last().headers();
        assertThat(upstream.last().uri()).isEqualTo("/reports/pa");
        assertThat(h.get("x-app-key")).isEqualTo("shop-app");
        // reports has hide-credentials off: the header is still dropped, as a hop-by-hop header.
        assertThat(h.contains("proxy-authorization")).isFalse();
    }

    @Test
    void hideCredentialsWithProxyAuthorizationKeepsTheUpstreamsAuthorization() throws Exception {
        String date = now();
        RawHttp.Response r = get("/orders/pa", "X-Date: " + date,
                "Proxy-Authorization: " + signedOverXDate("shop-app", "s3cret-new", date, "/orders/pa"),
                "Authorization: Bearer for-the-upstream");
        assertThat(r.status()).isEqualTo(200);
        var h = upstream.last().headers();
        assertThat(upstream.last().uri()).isEqualTo("/orders/pa");
        assertThat(h.contains("proxy-authorization")).isFalse();
        assertThat(h.get("authorization")).isEqualTo("Bearer for-the-upstream");
    }

    @Test
    void withBothHeadersProxyAuthorizationWins() throws Exception {
        // Both signatures are valid; only shop-app may call orders, so the answer tells which header was used.
        String date = now();
        RawHttp.Response shop = get("/orders/both", "X-Date: " + date,
                "Proxy-Authorization: " + signedOverXDate("shop-app", "s3cret-new", date, "/orders/both"),
                "Authorization: " + signedOverXDate("other-app", "other", date, "/orders/both"));
        assertThat(shop.status()).isEqualTo(200);
        assertThat(upstream.last().headers().get("x-app-key")).isEqualTo("shop-app");

        RawHttp.Response other = get("/orders/both", "X-Date: " + date,
                "Proxy-Authorization: " + signedOverXDate("other-app", "other", date, "/orders/both"),
                "Authorization: " + signedOverXDate("shop-app", "s3cret-new", date, "/orders/both"));
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.text()).contains("\"error\":\"forbidden_route\"");
    }

    @Test
    void unparsableXDateFallsBackToTheSignedDate() throws Exception {
        String date = now();
        RawHttp.Response r = get("/reports/date", "X-Date: not a date", "Date: " + date,
                "Authorization: " + signedOverDate(date, "/reports/date"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(upstream.last().uri()).isEqualTo("/reports/date");
    }

    @Test
    void unparsableXDateWithoutDateGets401MissingDate() throws Exception {
        String date = now();
        int before = upstream.received().size();
        RawHttp.Response r = get("/reports/nodate", "X-Date: not a date",
                "Authorization: " + signedOverDate(date, "/reports/nodate"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text()).contains("\"error\":\"missing_date\"");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void staleDateAfterAnUnparsableXDateGets401ClockSkew() throws Exception {
        String stale = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(10)); // reports allows the default 300 s
        int before = upstream.received().size();
        RawHttp.Response r = get("/reports/stale", "X-Date: not a date", "Date: " + stale,
                "Authorization: " + signedOverDate(stale, "/reports/stale"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text()).contains("\"error\":\"clock_skew\"");
        assertThat(upstream.received()).hasSize(before);
    }

    @Test
    void countsAuthFailuresByReason() throws Exception {
        signedGet("shop-app", "guess", "/orders/count");
        String metrics = gateway.metrics().registry().scrape();
        assertThat(metrics).containsPattern(
                "gateway_auth_failures_total\\{reason=\"signature_mismatch\",route=\"orders\"} [1-9]");
    }

    @Test
    void unknownFilterAndUnknownAppRouteAreConfigErrors() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateways.start(Gateways.yaml("", """
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                apps:
                  - key: a
                    secrets: [x]
                    routes: [ordrs]
                routes:
                  - id: orders
                    paths: [/o]
                    upstream: u
                    filters:
                      hmac-auth: {}
                      jwt-auth: {}
                """))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.yml:13: apps[0].routes: no route with id 'ordrs' (did you mean 'orders'?)")
                .hasMessageContaining("gateway.yml:20: routes[0].filters.jwt-auth: unknown filter 'jwt-auth' "
                        + "(known: ip-restriction, cors, hmac-auth, authorization, rate-limit, gray)");
    }
}
