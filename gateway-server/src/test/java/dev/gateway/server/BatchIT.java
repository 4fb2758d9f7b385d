package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import dev.gateway.core.batch.BatchMetrics;
import dev.gateway.server.support.Await;
import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Batch calls through a running gateway: hmac-signed outer requests, items through their own routes' filters
 * (authorization, a rate limit, gray routing, a mock) to real upstreams whose answers are delayed per path.
 */
class BatchIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final byte[] BINARY = new byte[256];
    static TestUpstream api;
    static TestUpstream canary;
    static GatewayServer gateway;
    static final AtomicInteger inFlight = new AtomicInteger();
    static final AtomicInteger maxInFlight = new AtomicInteger();
    static final ListAppender<ILoggingEvent> access = new ListAppender<>();

    static {
        for (int i = 0; i < BINARY.length; i++) {
            BINARY[i] = (byte) i;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        access.start();
        ((Logger) LoggerFactory.getLogger("gateway.access")).addAppender(access);
        api = TestUpstream.start("api", BatchIT::answer);
        canary = TestUpstream.echo("canary");
        gateway = Gateways.start(Gateways.yaml("io-threads: 1", """
                upstreams:
                  api: { targets: ["${API}"] }
                  api-canary: { targets: ["${CANARY}"] }
                apps:
                  - key: shop-app
                    secrets: [s3cret]
                    routes: [batch, small-batch, api, limited, grayed, mocked]
                routes:
                  - id: batch
                    paths: [/batch]
                    methods: [POST]
                    filters:
                      hmac-auth: {validate-body: true, required-headers: [x-date, request-line, digest]}
                    batch:
                      max-items: 8
                      max-body: 4KB
                      max-item-body: 512B
                      concurrency: 3
                      item-timeout: 2s
                      timeout: 4s
                  - id: small-batch
                    paths: [/small-batch]
                    methods: [POST]
                    filters:
                      hmac-auth: {validate-body: true, required-headers: [x-date, request-line, digest]}
                    batch: { concurrency: 8, item-timeout: 1s, timeout: 1s }
                  - id: api
                    paths: [/api/**]
                    upstream: api
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                  - id: forbidden
                    paths: [/forbidden/**]
                    upstream: api
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                  - id: limited
                    paths: [/limited/**]
                    upstream: api
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                  - id: grayed
                    paths: [/gray/**]
                    upstream: api
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                      gray:
                        upstream: api-canary
                        rules:
                          - header: X-Device-Id
                            values: [d-1]
                  - id: mocked
                    paths: [/mock/**]
                    mock: { status: 201, headers: {Content-Type: application/json}, body: '{"app":"${app}"}' }
                  - id: admin-lookalike
                    paths: [/admin/**]
                    upstream: api
                  - id: impatient
                    paths: [/api/impatient/**]
                    upstream: api
                    timeout: 200ms
                limits:
                  - { id: two-per-second, routes: [limited], key: [app], rate: 2/s, burst: 2 }
                """), Map.of("API", api.url(), "CANARY", canary.url()));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        api.close();
        canary.close();
        ((Logger) LoggerFactory.getLogger("gateway.access")).detachAppender(access);
    }

    @BeforeEach
    void reset() {
        maxInFlight.set(0);
    }

    /**
     * The upstream: {@code /api/delay/<ms>} answers after that long, {@code /api/status/<code>} with that status,
     * {@code /api/users/7} a user, {@code /api/bin} binary bytes; anything else echoes its URI. In-flight requests are
     * counted.
     */
    static void answer(io.netty.channel.ChannelHandlerContext ctx, TestUpstream.Received r, TestUpstream up) {
        String path = r.uri();
        boolean counted = path.endsWith("?count"); // only the requests of the tests that count
        if (counted) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        }
        long delay = 0;
        if (path.startsWith("/api/delay/")) {
            delay = Long.parseLong(path.substring("/api/delay/".length()).replaceAll("\\?.*", ""));
        } else if (path.startsWith("/api/impatient/")) {
            delay = 1000; // past the impatient route's timeout
        }
        Runnable send = () -> {
            if (counted) {
                inFlight.decrementAndGet();
            }
            if (path.startsWith("/api/status/")) {
                up.sendText(ctx, r, Integer.parseInt(path.substring(12)), "{\"status\":\"" + path.substring(12)
                        + "\"}");
            } else if (path.equals("/api/users/7")) {
                up.sendText(ctx, r, 200, "{\"id\":7,\"name\":\"Ann\",\"tags\":[\"a\",\"b\"]}");
            } else if (path.equals("/api/cookies")) {
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.EMPTY_BUFFER);
                resp.headers().add(HttpHeaderNames.SET_COOKIE, "a=1; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT");
                resp.headers().add(HttpHeaderNames.SET_COOKIE, "b=2");
                resp.headers().add("X-Tag", "one").add("X-Tag", "two");
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ctx.writeAndFlush(resp);
            } else if (path.equals("/api/bin")) {
                FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(BINARY));
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
                resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BINARY.length);
                ctx.writeAndFlush(resp);
            } else {
                TestUpstream.echoBehavior("api").respond(ctx, r, up);
            }
        };
        if (delay > 0) {
            ctx.executor().schedule(send, delay, TimeUnit.MILLISECONDS);
        } else {
            send.run();
        }
    }

    // ----- signing and calling

    static String now() {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    }

    static String digest(byte[] body) throws Exception {
        return "SHA-256=" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
    }

    /** A signed POST of {@code body} to {@code target}; {@code sent} is what goes on the wire (a swap test). */
    static RawHttp.Response batch(String target, String body, byte[] sent, String... extra) throws Exception {
        byte[] signed = body.getBytes(StandardCharsets.UTF_8);
        String date = now();
        String digest = digest(signed);
        Map<String, String> h = Map.of("x-date", date, "digest", digest);
        String signing = SigningString.build(List.of("x-date", "request-line", "digest"), "POST", target,
                "HTTP/1.1", h::get);
        String sig = HmacVerifier.sign(HmacAlgorithm.HMAC_SHA256, "s3cret".getBytes(StandardCharsets.UTF_8),
                signing);
        byte[] wire = sent == null ? signed : sent;
        StringBuilder head = new StringBuilder("POST " + target + " HTTP/1.1\r\nHost: x\r\nX-Date: " + date
                + "\r\nDigest: " + digest + "\r\nAuthorization: hmac username=\"shop-app\", "
                + "headers=\"x-date request-line digest\", signature=\"" + sig + "\"\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + wire.length + "\r\n");
        for (String e : extra) {
            head.append(e).append("\r\n");
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.timeout(15_000);
            c.send(head.append("Connection: close\r\n\r\n").toString());
            c.send(wire);
            return c.read();
        }
    }

    static RawHttp.Response batch(String body, String... extra) throws Exception {
        return batch("/batch", body, null, extra);
    }

    static JsonNode entries(RawHttp.Response r) throws Exception {
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return JSON.readTree(r.body()).get("responses");
    }

    static List<String> ids(JsonNode entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.get("id").asText()));
        return out;
    }

    static List<Integer> statuses(JsonNode entries) {
        List<Integer> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.get("status").asInt()));
        return out;
    }

    static String accessLine(String requestId) {
        return Await.value(Duration.ofSeconds(5), "the access-log line of " + requestId,
                () -> List.copyOf(access.list).stream().map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("request_id=" + requestId + " ")).findFirst().orElse(null));
    }

    // ----- parallelism and order

    @Test
    void aBatchRouteMustSignItsBody() {
        // The items take the batch's app without signatures of their own, so the outer signature must cover them.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Gateways.start(Gateways.yaml("", """
                upstreams:
                  api: { targets: ["http://127.0.0.1:1"] }
                apps:
                  - { key: shop-app, secrets: [s3cret], routes: [batch] }
                routes:
                  - id: batch
                    paths: [/batch]
                    methods: [POST]
                    filters:
                      hmac-auth: {required-headers: [x-date, request-line]}
                    batch: {}
                """))).isInstanceOf(dev.gateway.core.config.ConfigException.class)
                .hasMessageContaining("routes[0].filters.hmac-auth.validate-body: on a batch route the signature "
                        + "must cover the items");
    }

    @Test
    void itemsRunInParallelAndAnswerInRequestOrder() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [
                  {"id": "slow", "path": "/api/delay/900?count"},
                  {"id": "fast", "path": "/api/delay/100?count"},
                  {"id": "mid", "path": "/api/delay/500?count"}
                ]}"""));
        assertThat(ids(e)).containsExactly("slow", "fast", "mid");
        assertThat(statuses(e)).containsExactly(200, 200, 200);
        assertThat(e.get(0).get("body").get("uri").asText()).isEqualTo("/api/delay/900?count");
        // All three at the upstream at once: in parallel, however fast the machine (one after another: at most 1).
        assertThat(maxInFlight.get()).isEqualTo(3);
    }

    @Test
    void concurrencyIsRespected() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [
                  {"path": "/api/delay/150?count"}, {"path": "/api/delay/150?count"}, {"path": "/api/delay/150?count"},
                  {"path": "/api/delay/150?count"}, {"path": "/api/delay/150?count"}, {"path": "/api/delay/150?count"},
                  {"path": "/api/delay/150?count"}
                ]}"""));
        assertThat(statuses(e)).containsOnly(200).hasSize(7);
        assertThat(ids(e)).containsExactly("1", "2", "3", "4", "5", "6", "7");
        assertThat(maxInFlight.get()).isEqualTo(3); // concurrency: 3
    }

    // ----- dependencies

    @Test
    void referencesAreSubstitutedIntoPathAndBody() throws Exception {
        RawHttp.Response r = batch("""
                {"requests": [
                  {"id": "orders", "path": "/api/orders?user={result=user:$.id}&tag={result=user:$.tags[1]}",
                   "depends-on": ["user"]},
                  {"id": "user", "path": "/api/users/7"},
                  {"id": "points", "method": "POST", "path": "/api/points",
                   "body": {"user": "{result=user:$.id}", "note": "for {result=user:$.name}"}}
                ]}""");
        JsonNode e = entries(r);
        assertThat(statuses(e)).containsExactly(200, 200, 200);
        assertThat(e.get(0).get("body").get("uri").asText()).isEqualTo("/api/orders?user=7&tag=b");
        assertThat(e.get(1).get("body").get("name").asText()).isEqualTo("Ann");
        assertThat(e.get(1).get("headers").get("content-type").asText()).isEqualTo("application/json");
        byte[] expected = "{\"user\":7,\"note\":\"for Ann\"}".getBytes(StandardCharsets.UTF_8);
        TestUpstream.Received points = api.received().stream().filter(x -> x.uri().equals("/api/points"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(points.bodySha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(expected)));
        assertThat(points.headers().get("content-type")).isEqualTo("application/json");
        assertThat(r.header("x-batch-completed")).isEqualTo("3/3");
    }

    @Test
    void failedDependencyOrMissingReferenceGives424() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [
                  {"id": "broken", "path": "/api/status/500"},
                  {"id": "after", "path": "/api/x", "depends-on": ["broken"]},
                  {"id": "user", "path": "/api/users/7"},
                  {"id": "missing", "path": "/api/y/{result=user:$.nope}"}
                ]}"""));
        assertThat(statuses(e)).containsExactly(500, 424, 200, 424);
        assertThat(e.get(1).get("body").get("error").asText()).isEqualTo("dependency_failed");
        assertThat(e.get(3).get("body").get("error").asText()).isEqualTo("reference_not_found");
        assertThat(api.received().stream().noneMatch(x -> x.uri().equals("/api/x"))).isTrue();
    }

    @Test
    void cycleUnknownAndDuplicateIdsRefuseTheWholeBatch() throws Exception {
        int before = api.received().size();
        RawHttp.Response cycle = batch("""
                {"requests": [{"id": "a", "path": "/api/a", "depends-on": ["b"]},
                              {"id": "b", "path": "/api/b/{result=a:$.id}"}, {"id": "c", "path": "/api/c"}]}""");
        assertThat(cycle.status()).isEqualTo(400);
        assertThat(cycle.text()).contains("\"error\":\"dependency_cycle\"");
        RawHttp.Response unknown = batch("""
                {"requests": [{"id": "a", "path": "/api/a", "depends-on": ["zzz"]}]}""");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.text()).contains("\"error\":\"unknown_dependency\"");
        RawHttp.Response duplicate = batch("""
                {"requests": [{"id": "a", "path": "/api/a"}, {"id": "a", "path": "/api/b"}]}""");
        assertThat(duplicate.status()).isEqualTo(400);
        assertThat(duplicate.text()).contains("\"error\":\"duplicate_id\"");
        assertThat(api.received().size()).isEqualTo(before); // no item ran
    }

    // ----- per-item filters

    @Test
    void eachItemRunsItsOwnRoutesFilters() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [
                  {"id": "ok", "path": "/api/ok"},
                  {"id": "denied", "path": "/forbidden/x"},
                  {"id": "mock", "path": "/mock/x"}
                ]}"""));
        assertThat(statuses(e)).containsExactly(200, 403, 201);
        assertThat(e.get(1).get("body").get("error").asText()).isEqualTo("forbidden_route");
        assertThat(e.get(2).get("body").get("app").asText()).isEqualTo("shop-app");
    }

    @Test
    void eachItemSpendsItsOwnRateLimitTokens() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [{"path": "/limited/1"}, {"path": "/limited/2"}, {"path": "/limited/3"},
                              {"path": "/limited/4"}, {"path": "/limited/5"}]}"""));
        List<Integer> s = statuses(e);
        assertThat(s.stream().filter(x -> x == 200).count()).isEqualTo(2);
        assertThat(s.stream().filter(x -> x == 429).count()).isEqualTo(3);
        e.forEach(x -> {
            if (x.get("status").asInt() == 429) {
                assertThat(x.get("headers").has("retry-after")).isTrue();
            }
        });
    }

    @Test
    void grayRuleRoutesAnItemToCanary() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [{"id": "c", "path": "/gray/1", "headers": {"X-Device-Id": "d-1"}},
                              {"id": "s", "path": "/gray/2", "headers": {"X-Device-Id": "d-2"}}]}"""));
        assertThat(statuses(e)).containsExactly(200, 200);
        assertThat(e.get(0).get("headers").get("x-upstream").asText()).isEqualTo("canary");
        assertThat(e.get(1).get("headers").get("x-upstream").asText()).isEqualTo("api");
    }

    // ----- failure modes

    @Test
    void itemTimeoutGives504Entry() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [{"id": "slow", "path": "/api/delay/1500", "timeout": "200ms"},
                              {"id": "quick", "path": "/api/q"}]}"""));
        assertThat(statuses(e)).containsExactly(504, 200);
        assertThat(e.get(0).get("body").get("error").asText()).isEqualTo("item_timeout");
    }

    @Test
    void anItemPastItsRoutesUpstreamTimeoutGets504FromItsOwnDeadline() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [{"id": "late", "path": "/api/impatient/x"}, {"id": "quick", "path": "/api/q"}]}"""));
        assertThat(statuses(e)).containsExactly(504, 200);
        assertThat(e.get(0).get("body").get("error").asText()).isEqualTo("upstream_timeout");
    }

    @Test
    void batchTimeoutAnswersWhatIsDoneAnd504ForTheRest() throws Exception {
        long start = System.nanoTime();
        RawHttp.Response r = batch("/small-batch", """
                {"requests": [{"id": "a", "path": "/api/delay/300"},
                              {"id": "b", "path": "/api/delay/60000?{result=a:$.uri}", "depends-on": ["a"]},
                              {"id": "c", "path": "/api/ok"}]}""", (byte[]) null);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        JsonNode e = entries(r);
        assertThat(statuses(e)).containsExactly(200, 504, 200);
        assertThat(e.get(1).get("body").get("error").asText()).isEqualTo("batch_timeout");
        assertThat(r.header("x-batch-completed")).isEqualTo("2/3");
        // b's upstream answers after a minute and its own item timeout would say item_timeout: batch_timeout, well
        // before that minute, shows the batch timeout answered. The bound only guards against a hang (10x).
        assertThat(tookMs).isLessThan(10_000);
    }

    @Test
    void failFastStopsDispatchingAtTheFirstFailure() throws Exception {
        JsonNode e = entries(batch("""
                {"fail-fast": true, "requests": [
                  {"id": "bad", "path": "/api/status/503"},
                  {"id": "w1", "path": "/api/w1", "depends-on": ["bad"]},
                  {"id": "w2", "path": "/api/delay/50", "depends-on": ["slow"]},
                  {"id": "slow", "path": "/api/delay/300"}
                ]}"""));
        assertThat(statuses(e)).containsExactly(503, 424, 424, 200);
        assertThat(e.get(2).get("body").get("error").asText()).isEqualTo("batch_failed_fast");
    }

    @Test
    void mixedOutcomesAreCountedInTheHeader() throws Exception {
        RawHttp.Response r = batch("""
                {"requests": [{"path": "/api/status/201"}, {"path": "/api/status/404"},
                              {"path": "/api/status/502"}, {"path": "/nowhere"}]}""");
        assertThat(statuses(entries(r))).containsExactly(201, 404, 502, 404);
        assertThat(r.header("x-batch-completed")).isEqualTo("1/4");
    }

    // ----- refusals

    @Test
    void nestedBatchAndAdminPathsGet400Entries() throws Exception {
        int before = api.received().size();
        JsonNode e = entries(batch("""
                {"requests": [
                  {"id": "nested", "method": "POST", "path": "/batch", "body": {"requests": []}},
                  {"id": "admin", "path": "/admin/reload"},
                  {"id": "dotted", "path": "/api/../admin/config"},
                  {"id": "absolute", "path": "http://127.0.0.1:9090/admin/config"}
                ]}"""));
        assertThat(statuses(e)).containsExactly(400, 400, 400, 400);
        assertThat(e.get(0).get("body").get("error").asText()).isEqualTo("nested_batch");
        assertThat(e.get(1).get("body").get("error").asText()).isEqualTo("admin_path");
        assertThat(e.get(2).get("body").get("error").asText()).isEqualTo("admin_path");
        assertThat(e.get(3).get("body").get("error").asText()).isEqualTo("invalid_item_path");
        assertThat(api.received().size()).isEqualTo(before);
    }

    @Test
    void spoofedIdentityHeadersAreNotForwarded() throws Exception {
        JsonNode e = entries(batch("""
                {"requests": [{"path": "/api/who", "headers": {"X-Forwarded-For": "6.6.6.6", "X-Real-IP": "6.6.6.6",
                  "X-App-Key": "root-app", "X-Consumer-Group": "admins", "X-Note": "kept"}}]}"""));
        assertThat(statuses(e)).containsExactly(200);
        TestUpstream.Received who = api.received().stream().filter(x -> x.uri().equals("/api/who"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(who.headers().get("x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(who.headers().contains("x-real-ip")).isFalse();
        assertThat(who.headers().get("x-app-key")).isEqualTo("shop-app");
        assertThat(who.headers().contains("x-consumer-group")).isFalse();
        assertThat(who.headers().get("x-note")).isEqualTo("kept");
    }

    @Test
    void sizeLimitsAreCheckedBeforeAnyItemRuns() throws Exception {
        int before = api.received().size();
        StringBuilder many = new StringBuilder("{\"requests\": [");
        for (int i = 0; i < 9; i++) {
            many.append(i == 0 ? "" : ",").append("{\"path\": \"/api/n").append(i).append("\"}");
        }
        RawHttp.Response tooMany = batch(many.append("]}").toString());
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.text()).contains("\"error\":\"too_many_items\"");
        RawHttp.Response bigItem = batch("{\"requests\": [{\"method\": \"POST\", \"path\": \"/api/p\", \"body\": \""
                + "x".repeat(600) + "\"}]}");
        assertThat(bigItem.status()).isEqualTo(413);
        assertThat(bigItem.text()).contains("\"error\":\"item_too_large\"");
        RawHttp.Response bigBatch = batch("{\"requests\": [{\"path\": \"/api/p\", \"headers\": {\"X-Pad\": \""
                + "x".repeat(5000) + "\"}}]}");
        assertThat(bigBatch.status()).isEqualTo(413);
        assertThat(bigBatch.text()).contains("\"error\":\"batch_too_large\"");
        assertThat(api.received().size()).isEqualTo(before);
    }

    // ----- bodies and streaming

    @Test
    void binaryBodiesRoundTripAsBase64() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(BINARY);
        JsonNode e = entries(batch("""
                {"requests": [{"id": "up", "method": "PUT", "path": "/api/upload", "encoding": "base64",
                               "body": "%s"},
                              {"id": "down", "path": "/api/bin"},
                              {"id": "text", "method": "POST", "path": "/api/text", "body": "plain words"}]}"""
                .formatted(b64)));
        assertThat(statuses(e)).containsExactly(200, 200, 200);
        TestUpstream.Received up = api.received().stream().filter(x -> x.uri().equals("/api/upload"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(up.bodySha256()).isEqualTo(HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(BINARY)));
        assertThat(e.get(1).get("encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(e.get(1).get("body").asText())).isEqualTo(BINARY);
        TestUpstream.Received text = api.received().stream().filter(x -> x.uri().equals("/api/text"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(text.bodyBytes()).isEqualTo(11);
        assertThat(text.headers().get("content-type")).startsWith("text/plain");
    }

    @Test
    void repeatedSetCookieLinesStayApartOtherRepeatedHeadersAreJoined() throws Exception {
        JsonNode h = entries(batch("""
                {"requests": [{"id": "c", "path": "/api/cookies"}]}""")).get(0).get("headers");
        // A Set-Cookie value may hold a comma (Expires), so its lines are never joined (RFC 6265 3).
        assertThat(h.get("set-cookie").isArray()).isTrue();
        assertThat(h.get("set-cookie").get(0).asText()).isEqualTo("a=1; Path=/; Expires=Wed, 09 Jun 2027 10:18:14 GMT");
        assertThat(h.get("set-cookie").get(1).asText()).isEqualTo("b=2");
        assertThat(h.get("x-tag").asText()).isEqualTo("one, two");
    }

    @Test
    void ndjsonStreamsEntriesAsTheyComplete() throws Exception {
        RawHttp.Response r = batch("""
                {"requests": [{"id": "slow", "path": "/api/delay/400"}, {"id": "fast", "path": "/api/fast"}]}""",
                "Accept: application/x-ndjson");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/x-ndjson");
        assertThat(r.header("transfer-encoding")).isEqualTo("chunked");
        String[] lines = r.text().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines[0]).get("id").asText()).isEqualTo("fast");
        assertThat(JSON.readTree(lines[1]).get("id").asText()).isEqualTo("slow");
        assertThat(JSON.readTree(lines[1]).get("status").asInt()).isEqualTo(200);
        assertThat(r.trailer("x-batch-completed")).as("the count comes last, as a trailer").isEqualTo("2/2");
    }

    // ----- the outer signature, logs and metrics

    @Test
    void swappedBodyGetsDigestMismatch() throws Exception {
        String signed = "{\"requests\": [{\"path\": \"/api/a\"}]}";
        String swapped = "{\"requests\": [{\"path\": \"/api/b\"}]}";
        RawHttp.Response r = batch("/batch", signed, swapped.getBytes(StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.text()).contains("\"error\":\"digest_mismatch\"");
    }

    @Test
    void accessLogHasTheBatchAndEachItemAndMetricsCountItems() throws Exception {
        double before = itemsRecorded();
        entries(batch("""
                {"requests": [{"path": "/api/log1"}, {"path": "/mock/log2"}]}""", "X-Request-Id: batch-log-1"));
        assertThat(accessLine("batch-log-1")).contains(" route=batch ", " status=200 ", " app=shop-app ");
        assertThat(accessLine("batch-log-1.1")).contains(" route=api ", " status=200 ", " app=shop-app ");
        assertThat(accessLine("batch-log-1.2")).contains(" route=mocked ", " status=201 ");
        assertThat(itemsRecorded()).isEqualTo(before + 2);
    }

    static double itemsRecorded() {
        var s = gateway.metrics().registry().find(BatchMetrics.ITEMS).tag("route", "batch").summary();
        return s == null ? 0 : s.totalAmount();
    }
}
