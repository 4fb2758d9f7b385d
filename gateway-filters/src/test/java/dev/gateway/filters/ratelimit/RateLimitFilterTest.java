package dev.gateway.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.FilterSpec;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.Header;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RateLimitFilterTest {
    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final LocalLimits store = new LocalLimits(10_000, clock);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RateLimitFilterFactory factory = new RateLimitFilterFactory(store, Meters.create(registry));
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private GatewayConfig config;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private GatewayConfig load(String limits) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                upstreams:
                  u: { targets: [http://127.0.0.1:1] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u }
                  - { id: open, paths: [/open/**], upstream: u }
                """ + limits);
        config = new ConfigLoader(k -> null, List.of(factory)).load(dir.resolve("gateway.yml"));
        return config;
    }

    private GatewayFilter filter(String route) {
        RouteConfig r = config.routes().stream().filter(x -> x.id().equals(route)).findFirst().orElseThrow();
        assertThat(r.filters()).hasSize(1);
        FilterSpec spec = r.filters().get(0);
        Problems problems = new Problems();
        GatewayFilter f = FilterFactory.create(spec, new FilterContext(r.id(), r.group(), config, Map.of(), problems,
                spec.location(), spec.path()));
        assertThat(problems.isEmpty()).isTrue();
        return f;
    }

    private RequestContext request(String ip, App app, String... headers) throws Exception {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        RequestContext ctx = new RequestContext("req", HttpMethod.GET, "/orders/1", "/orders/1", null, h, "orders",
                null, InetAddress.getByName(ip), channel.eventLoop(), 0, "HTTP/1.1");
        ctx.set(StandardAttrs.APP, app);
        return ctx;
    }

    private static App app(String key, String priority, Map<String, App.LimitOverride> limits) {
        return new App(key, List.of(new byte[] {1}), true, Set.of(), Set.of(), null, priority, List.of(), limits);
    }

    private static boolean admitted(CompletionStage<FilterResult> s) {
        return s == FilterResult.PROCEED;
    }

    private static String code(CompletionStage<FilterResult> s) {
        FilterResult r = s.toCompletableFuture().getNow(null);
        return r instanceof FilterResult.Refuse refuse ? refuse.error().code() : String.valueOf(r);
    }

    private static String header(RequestContext ctx, String name) {
        List<Header> set = ctx.responseHeadersSet();
        return set == null ? null : set.stream().filter(x -> x.name().equalsIgnoreCase(name)).map(Header::value)
                .findFirst().orElse(null);
    }

    private int admittedOf(GatewayFilter f, int n, String ip, App app, String... headers) throws Exception {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            ok += admitted(f.apply(request(ip, app, headers))) ? 1 : 0;
        }
        return ok;
    }

    private double decisions(String limit, String result) {
        var c = registry.find("gateway.ratelimit.decisions").tags("limit", limit, "result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void onlyRoutesALimitSelectsGetTheFilter() throws Exception {
        load("limits: [{id: l, routes: [orders], rate: 1/s}]\n");
        assertThat(config.routes().get(0).filters()).hasSize(1);
        assertThat(config.routes().get(1).filters()).as("open pays nothing").isEmpty();
    }

    @Test
    void theSamePolicyFieldIsSetOnEveryRequestWithoutBuildingItAgain() throws Exception {
        load("limits: [{id: ceiling, routes: [orders], key: [ip], rate: 100/s, burst: 100}]\n");
        GatewayFilter f = filter("orders");
        RequestContext a = request("10.0.0.1", null);
        RequestContext b = request("10.0.0.2", null);
        assertThat(admitted(f.apply(a))).isTrue();
        assertThat(admitted(f.apply(b))).isTrue();
        assertThat(headerObject(b, "RateLimit-Policy")).isSameAs(headerObject(a, "RateLimit-Policy"));
        assertThat(headerObject(b, "RateLimit")).as("same remaining and reset").isSameAs(headerObject(a, "RateLimit"));
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        assertThat(header(a, "RateLimit")).isEqualTo("\"ceiling\";r=99;t=1");
    }

    private static Header headerObject(RequestContext ctx, String name) {
        return ctx.responseHeadersSet().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void rejectsWith429NamingTheLimitAndRetryAfterAndRateLimitFields() throws Exception {
        load("limits: [{id: orders-rps, routes: [orders], key: [ip], rate: 2/s, burst: 2}]\n");
        GatewayFilter f = filter("orders");
        RequestContext first = request("10.0.0.1", null);
        assertThat(admitted(f.apply(first))).isTrue();
        assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"orders-rps\";q=2;w=1");
        assertThat(header(first, "RateLimit")).isEqualTo("\"orders-rps\";r=1;t=1");
        assertThat(header(first, "X-RateLimit-Limit")).as("legacy fields are off by default").isNull();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        RequestContext refused = request("10.0.0.1", null);
        CompletionStage<FilterResult> r = f.apply(refused);
        assertThat(code(r)).isEqualTo("rate_limited");
        assertThat(((FilterResult.Refuse) r.toCompletableFuture().getNow(null)).error().message())
                .contains("orders-rps");
        assertThat(header(refused, "Retry-After")).isEqualTo("1");
        assertThat(header(refused, "RateLimit")).isEqualTo("\"orders-rps\";r=0;t=1");
        assertThat(refused.get(StandardAttrs.LIMIT)).isEqualTo("orders-rps");
        assertThat(decisions("orders-rps", "admitted")).isEqualTo(2);
        assertThat(decisions("orders-rps", "rejected")).isEqualTo(1);
        clock.advance(Duration.ofMillis(500));
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
    }

    @Test
    void legacyHeadersCanBeSwitchedOn() throws Exception {
        load("limits-settings: {legacy-headers: true}\nlimits: [{id: l, routes: [orders], rate: 10/s}]\n");
        RequestContext ctx = request("10.0.0.1", null);
        f(ctx);
        assertThat(header(ctx, "X-RateLimit-Limit")).isEqualTo("10");
        assertThat(header(ctx, "X-RateLimit-Remaining")).isEqualTo("9");
        assertThat(header(ctx, "X-RateLimit-Reset")).isEqualTo("1");
    }

    private void f(RequestContext ctx) {
        assertThat(admitted(filter("orders").apply(ctx))).isTrue();
    }

    @Test
    void theIpDimensionCountsEachClientApart() throws Exception {
        load("limits: [{id: l, routes: [orders], key: [ip], rate: 1/s, burst: 3}]\n");
        GatewayFilter f = filter("orders");
        assertThat(admittedOf(f, 5, "10.0.0.1", null)).isEqualTo(3);
        assertThat(admittedOf(f, 5, "10.0.0.2", null)).isEqualTo(3);
    }

    @Test
    void theHeaderDimensionCountsByValueAndAMissingHeaderIsTheKeyDash() throws Exception {
        load("limits: [{id: l, routes: [orders], key: [header:X-Region], rate: 1/s, burst: 2}]\n");
        GatewayFilter f = filter("orders");
        assertThat(admittedOf(f, 4, "10.0.0.1", null, "X-Region", "eu")).isEqualTo(2);
        assertThat(admittedOf(f, 4, "10.0.0.2", null, "x-region", "us")).isEqualTo(2);
        // Requests without the header share one key, "-", whoever sends them.
        assertThat(admittedOf(f, 2, "10.0.0.3", null)).isEqualTo(2);
        assertThat(admittedOf(f, 2, "10.0.0.4", null)).isZero();
        assertThat(admittedOf(f, 2, "10.0.0.4", null, "X-Region", "-")).as("a literal '-' is the same key").isZero();
    }

    @Test
    void combinedDimensionsAndAnonymousApps() throws Exception {
        load("limits: [{id: l, routes: [orders], key: [app, ip], rate: 1/s, burst: 1}]\n");
        GatewayFilter f = filter("orders");
        App shop = app("shop", "default", Map.of());
        assertThat(admittedOf(f, 2, "10.0.0.1", shop)).isEqualTo(1);
        assertThat(admittedOf(f, 2, "10.0.0.2", shop)).isEqualTo(1);
        assertThat(admittedOf(f, 2, "10.0.0.1", null)).as("no app: the app value is '-'").isEqualTo(1);
    }

    @Test
    void ipAndHeaderOverridesChangeTheRateOfTheirKeys() throws Exception {
        load("""
                limits:
                  - id: l
                    routes: [orders]
                    key: [ip, header:X-Region]
                    rate: 1/s
                    burst: 1
                    overrides: {"ip:203.0.113.7": {rate: 100/s}, "header:X-Region=eu": {rate: 5/s, burst: 5}}
                """);
        GatewayFilter f = filter("orders");
        assertThat(admittedOf(f, 200, "203.0.113.7", null)).isEqualTo(100);
        assertThat(admittedOf(f, 10, "10.0.0.1", null, "X-Region", "eu")).isEqualTo(5);
        assertThat(admittedOf(f, 10, "10.0.0.1", null, "X-Region", "us")).isEqualTo(1);
        RequestContext eu = request("10.0.0.9", null, "X-Region", "eu");
        f.apply(eu);
        assertThat(header(eu, "RateLimit-Policy")).isEqualTo("\"l\";q=5;w=1");
    }

    @Test
    void anAppsOwnLimitsOverrideTheRate() throws Exception {
        load("limits: [{id: per-app, routes: [orders], key: [app], rate: 2/s, burst: 2}]\n");
        GatewayFilter f = filter("orders");
        App big = app("big", "default", Map.of("per-app", new App.LimitOverride(10, 20)));
        App small = app("small", "default", Map.of("other-limit", new App.LimitOverride(10, 20)));
        assertThat(admittedOf(f, 30, "10.0.0.1", big)).isEqualTo(20);
        assertThat(admittedOf(f, 30, "10.0.0.1", small)).isEqualTo(2);
        RequestContext ctx = request("10.0.0.1", app("big2", "default", Map.of("per-app",
                new App.LimitOverride(10, 20))));
        f.apply(ctx);
        assertThat(header(ctx, "RateLimit-Policy")).isEqualTo("\"per-app\";q=20;w=2");
    }

    @Test
    void everyLimitMustAdmitAndAQuotaCountsAdmittedRequestsOnly() throws Exception {
        load("""
                limits:
                  - {id: daily, routes: [orders], key: [ip], quota: 5/day}
                  - {id: rps, routes: [orders], key: [ip], rate: 2/s, burst: 2}
                """);
        GatewayFilter f = filter("orders");
        assertThat(admittedOf(f, 10, "10.0.0.1", null)).as("the bucket refuses 8").isEqualTo(2);
        clock.advance(Duration.ofSeconds(10));
        // 3 left of the day's 5: the refused requests spent nothing.
        assertThat(admittedOf(f, 2, "10.0.0.1", null)).isEqualTo(2);
        clock.advance(Duration.ofSeconds(10));
        RequestContext last = request("10.0.0.1", null);
        assertThat(admitted(f.apply(last))).isTrue();
        assertThat(header(last, "RateLimit")).as("the quota is now the tightest").startsWith("\"daily\";r=0;t=");
        clock.advance(Duration.ofSeconds(10));
        CompletionStage<FilterResult> over = f.apply(request("10.0.0.1", null));
        assertThat(code(over)).isEqualTo("quota_exceeded");
    }

    @Test
    void aRefusedQuotaGivesTheBucketsTokenBack() throws Exception {
        load("""
                limits:
                  - {id: daily, routes: [orders], quota: 1/day}
                  - {id: rps, routes: [orders], rate: 1/s, burst: 2}
                """);
        GatewayFilter f = filter("orders");
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("quota_exceeded");
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("quota_exceeded");
        assertThat(decisions("rps", "rejected")).as("the bucket kept its second token").isZero();
    }

    @Test
    void limitsMayBeRestrictedToMethods() throws Exception {
        load("limits: [{id: l, routes: [orders], methods: [POST], rate: 1/s, burst: 1}]\n");
        assertThat(admittedOf(filter("orders"), 5, "10.0.0.1", null)).as("GETs are not limited").isEqualTo(5);
    }

    @Test
    void queuedRequestsAreServedInOrderWhenTheirTokenIsDue() throws Exception {
        load("""
                limits:
                  - {id: q, routes: [orders], rate: 10/s, burst: 1, on-exceed: queue, queue: {max-wait: 250ms, max-length: 5}}
                """);
        GatewayFilter f = filter("orders");
        channel.freezeTime();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        RequestContext second = request("10.0.0.1", null);
        CompletionStage<FilterResult> waiting = f.apply(second);
        RequestContext third = request("10.0.0.1", null);
        CompletionStage<FilterResult> waiting2 = f.apply(third);
        assertThat(waiting.toCompletableFuture()).isNotDone();
        assertThat(store.state(config.limits().get(0)).queued().get()).isEqualTo(2);
        assertThat(second.get(StandardAttrs.LIMIT)).isEqualTo("q");
        // max-wait 250ms: the fourth would wait 300ms and is refused at once.
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("rate_limited");
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(100));
        channel.runScheduledPendingTasks();
        assertThat(waiting.toCompletableFuture().getNow(null)).isEqualTo(FilterResult.CONTINUE);
        assertThat(waiting2.toCompletableFuture()).isNotDone();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(100));
        channel.runScheduledPendingTasks();
        assertThat(waiting2.toCompletableFuture().getNow(null)).isEqualTo(FilterResult.CONTINUE);
        assertThat(store.state(config.limits().get(0)).queued().get()).isZero();
        assertThat(decisions("q", "queued")).isEqualTo(2);
        assertThat(decisions("q", "admitted")).isEqualTo(3);
        assertThat(decisions("q", "rejected")).isEqualTo(1);
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        load("""
                limits:
                  - {id: q, routes: [orders], rate: 10/s, burst: 1, on-exceed: queue, queue: {max-wait: 2s, max-length: 2}}
                """);
        GatewayFilter f = filter("orders");
        channel.freezeTime();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        assertThat(f.apply(request("10.0.0.1", null)).toCompletableFuture()).isNotDone();
        assertThat(f.apply(request("10.0.0.1", null)).toCompletableFuture()).isNotDone();
        RequestContext third = request("10.0.0.1", null);
        assertThat(code(f.apply(third))).isEqualTo("rate_limited");
        assertThat(header(third, "Retry-After")).isEqualTo("1");
    }

    @Test
    void aCancelledClientLeavesTheQueueAndTakesNoToken() throws Exception {
        load("""
                limits:
                  - {id: q, routes: [orders], rate: 10/s, burst: 1, on-exceed: queue, queue: {max-wait: 1s, max-length: 1}}
                """);
        GatewayFilter f = filter("orders");
        channel.freezeTime();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        RequestContext gone = request("10.0.0.1", null);
        CompletionStage<FilterResult> waiting = f.apply(gone);
        assertThat(code(f.apply(request("10.0.0.1", null)))).as("max-length 1: full").isEqualTo("rate_limited");
        gone.cancel();
        assertThat(store.state(config.limits().get(0)).queued().get()).isZero();
        // Its place is free again: a newcomer queues (where the queue was full before) ...
        CompletionStage<FilterResult> next = f.apply(request("10.0.0.1", null));
        assertThat(next.toCompletableFuture()).isNotDone();
        channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        clock.advance(Duration.ofMillis(100));
        channel.runScheduledPendingTasks();
        // ... and is served at the time the cancelled one would have been; the cancelled one never is.
        assertThat(next.toCompletableFuture().getNow(null)).isEqualTo(FilterResult.CONTINUE);
        assertThat(waiting.toCompletableFuture()).isNotDone();
    }

    @Test
    void fallbackAnswersTheConfiguredResponseAndIsCountedApart() throws Exception {
        load("""
                limits:
                  - id: fb
                    routes: [orders]
                    rate: 1/s
                    burst: 1
                    on-exceed: fallback
                    fallback: {status: 200, headers: {Content-Type: application/json}, body: '{"items":[]}'}
                """);
        GatewayFilter f = filter("orders");
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        RequestContext ctx = request("10.0.0.1", null);
        FilterResult r = f.apply(ctx).toCompletableFuture().getNow(null);
        assertThat(r).isInstanceOf(FilterResult.Respond.class);
        var response = ((FilterResult.Respond) r).response();
        assertThat(response.status().code()).isEqualTo(200);
        assertThat(response.header("Content-Type")).isEqualTo("application/json");
        assertThat(response.bodyText()).isEqualTo("{\"items\":[]}");
        assertThat(ctx.get(StandardAttrs.LIMIT)).isEqualTo("fb");
        assertThat(decisions("fb", "fallback")).isEqualTo(1);
        assertThat(decisions("fb", "rejected")).isZero();
    }

    @Test
    void concurrencyCountsRequestsUntilTheirExchangeEnds() throws Exception {
        load("limits: [{id: inflight, routes: [orders], concurrency: 2}]\n");
        GatewayFilter f = filter("orders");
        RequestContext a = request("10.0.0.1", null);
        RequestContext b = request("10.0.0.1", null);
        assertThat(admitted(f.apply(a))).isTrue();
        assertThat(admitted(f.apply(b))).isTrue();
        RequestContext c = request("10.0.0.1", null);
        assertThat(code(f.apply(c))).isEqualTo("rate_limited");
        assertThat(c.get(StandardAttrs.LIMIT)).isEqualTo("inflight");
        c.end(); // a refused request releases nothing
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("rate_limited");
        a.cancel(); // the client went away: the exchange still ends, and only then is the slot free
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("rate_limited");
        a.end();
        a.end();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        assertThat(code(f.apply(request("10.0.0.1", null)))).as("released once, not twice").isEqualTo("rate_limited");
    }

    @Test
    void aQueuedRequestRefusedByConcurrencyGivesItsReservationBack() throws Exception {
        load("""
                limits:
                  - {id: q, routes: [orders], rate: 10/s, burst: 1, on-exceed: queue, queue: {max-wait: 1s, max-length: 1}}
                  - {id: inflight, routes: [orders], concurrency: 1}
                """);
        GatewayFilter f = filter("orders");
        channel.freezeTime();
        assertThat(admitted(f.apply(request("10.0.0.1", null)))).isTrue();
        assertThat(code(f.apply(request("10.0.0.1", null)))).isEqualTo("rate_limited");
        // The refused request's reservation was returned: the queue is empty, so one can queue again.
        assertThat(store.state(config.limits().get(0)).queued().get()).isZero();
        assertThat(decisions("inflight", "rejected")).isEqualTo(1);
    }

    @Test
    void priorityGroupsFollowTheAppsPriority() throws Exception {
        load("""
                limits:
                  - {id: p, routes: [orders], rate: 100/s, burst: 100, priority-groups: {core: 80, other: 20}}
                """);
        GatewayFilter f = filter("orders");
        App core = app("c", "core", Map.of());
        App other = app("o", "whatever", Map.of());
        // Both at once: other's own share is 20 tokens; it may borrow only above core's reserve.
        assertThat(admittedOf(f, 200, "10.0.0.1", other)).isLessThan(100).isGreaterThanOrEqualTo(20);
        assertThat(admittedOf(f, 200, "10.0.0.1", core)).isGreaterThanOrEqualTo(80 / 3);
    }
}
