package dev.gateway.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.FilterSpec;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.Header;
import dev.gateway.core.limit.ClusterLimits;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rate-limit filter's cluster scope against a real Redis: decided in Redis, on the loop, and without Redis. */
class ClusterRateLimitTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** What the code under test scheduled on the loop, in nanoseconds: a queue's wait, read without timing it. */
    private final List<Long> scheduled = new CopyOnWriteArrayList<>();
    private final DefaultEventLoop loop = new DefaultEventLoop() {
        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            scheduled.add(unit.toNanos(delay));
            return super.schedule(task, delay, unit);
        }
    };
    private RealRedis redis;
    private RedisService service;
    private RateLimitFilterFactory factory;
    private GatewayConfig config;

    @BeforeEach
    void start() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        redis = RealRedis.standalone().start();
        service = RedisService.start(new RedisConfig(redis.uri(), List.of(), COMMAND_TIMEOUT, Duration.ofSeconds(2),
                "gw:", RedisConfig.Readiness.DEGRADED), null);
        until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
        factory = new RateLimitFilterFactory(new LocalLimits(), new ClusterLimits(service), Meters.create(registry));
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private GatewayFilter load(String limits) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                redis: { uri: "%s" }
                upstreams:
                  u: { targets: [http://127.0.0.1:1] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u }
                """.formatted(redis.uri()) + limits);
        config = new ConfigLoader(k -> null, List.of(factory)).load(dir.resolve("gateway.yml"));
        RouteConfig r = config.routes().get(0);
        FilterSpec spec = r.filters().get(0);
        Problems problems = new Problems();
        GatewayFilter f = FilterFactory.create(spec, new FilterContext(r.id(), r.group(), config, Map.of(), problems,
                spec.location(), spec.path()));
        assertThat(problems.isEmpty()).isTrue();
        return f;
    }

    /** One request through the filter on the loop; its outcome, which must arrive on the loop within a bound. */
    private Outcome decide(GatewayFilter f) throws Exception {
        return decide(f, null);
    }

    /** One request of an app with this metadata {@code priority} (none when null). */
    private Outcome decide(GatewayFilter f, String priority) throws Exception {
        RequestContext ctx = context();
        if (priority != null) {
            ctx.set(StandardAttrs.APP, new dev.gateway.core.config.App("app-" + priority, List.of("s".getBytes()),
                    true, java.util.Set.of("orders"), java.util.Set.of(), null, priority, List.of()));
        }
        AtomicBoolean onLoop = new AtomicBoolean();
        long start = System.nanoTime();
        // Attached on the loop: runs where the stage completes (on the loop, or at once in this task).
        FilterResult r = loop.submit(() -> f.apply(ctx).thenApply(x -> {
            onLoop.set(loop.inEventLoop());
            return x;
        })).get(5, TimeUnit.SECONDS).toCompletableFuture().get(5, TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        // Read the context on the loop, where the filter wrote it.
        return loop.submit(() -> new Outcome(r, millis, onLoop.get(), header(ctx, "Retry-After"),
                header(ctx, "RateLimit-Policy"), ctx.get(StandardAttrs.LIMIT))).get(5, TimeUnit.SECONDS);
    }

    private RequestContext context() throws Exception {
        return new RequestContext("req", HttpMethod.GET, "/orders/1", "/orders/1", null, new DefaultHttpHeaders(),
                "orders", null, InetAddress.getByName("10.0.0.1"), loop, 0, "HTTP/1.1");
    }

    record Outcome(FilterResult result, long millis, boolean onLoop, String retryAfter, String policy, String limit) {
        String code() {
            return result instanceof FilterResult.Refuse refuse ? refuse.error().code() : "admitted";
        }
    }

    private static String header(RequestContext ctx, String name) {
        List<Header> set = ctx.responseHeadersSet();
        return set == null ? null : set.stream().filter(x -> x.name().equalsIgnoreCase(name)).map(Header::value)
                .findFirst().orElse(null);
    }

    private double decisions(String limit, String result) {
        var c = registry.find("gateway.ratelimit.decisions").tags("limit", limit, "result", result).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void decidesInRedisAndCompletesOnTheLoop() throws Exception {
        GatewayFilter f = load("limits: [{id: c, routes: [orders], key: [ip], rate: 1/m, burst: 3, scope: cluster}]\n");
        for (int i = 0; i < 3; i++) {
            Outcome o = decide(f);
            assertThat(o.code()).isEqualTo("admitted");
            assertThat(o.onLoop()).as("the stage completes on the request's loop").isTrue();
            assertThat(o.policy()).isEqualTo("\"c\";q=3;w=180");
        }
        Outcome refused = decide(f);
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.onLoop()).isTrue();
        assertThat(refused.limit()).isEqualTo("c");
        assertThat(Long.parseLong(refused.retryAfter())).isBetween(1L, 60L);
        assertThat(redis.server().call("EXISTS", "gw:{rl:10.0.0.1}:c:tb")).isEqualTo(1L);
        assertThat(decisions("c", "admitted")).isEqualTo(3);
        assertThat(decisions("c", "rejected")).isEqualTo(1);
        assertThat(decisions("c", "error")).isZero();
    }

    @Test
    void aRefusalGivesBackWhatEarlierLimitsTookSoTheQuotaCountsAdmittedOnly() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: daily, routes: [orders], quota: 100/day, scope: cluster}
                  - {id: rps, routes: [orders], rate: 1/m, burst: 2, scope: cluster}
                """);
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(decide(f).code()).isEqualTo("rate_limited");
        assertThat(decide(f).code()).isEqualTo("rate_limited");
        List<?> keys = (List<?>) redis.server().call("KEYS", "gw:{rl:*}:daily:*");
        assertThat(keys).hasSize(1);
        assertThat(redis.server().call("GET", (String) keys.get(0))).as("the quota counted admitted requests only")
                .isEqualTo("2");
    }

    @Test
    void aLeasedLimitSpendsLocallyAndTakesBackATokenALaterLimitRefused() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: leased, routes: [orders], rate: 1/m, burst: 10, scope: cluster, lease: 4}
                  - {id: daily, routes: [orders], quota: 2/day, scope: cluster}
                """);
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(decide(f).code()).isEqualTo("admitted");
        Outcome third = decide(f);
        assertThat(third.code()).isEqualTo("quota_exceeded");
        assertThat(third.onLoop()).isTrue();
        // One lease of 4 tokens, three spent and one of them given back to the lease: Redis's bucket shows the 4
        // leased (at 1/m), not one per request.
        List<?> keys = (List<?>) redis.server().call("KEYS", "gw:{rl:*}:leased:tb");
        assertThat(keys).hasSize(1);
        long tat = Long.parseLong((String) redis.server().call("GET", (String) keys.get(0)));
        List<?> time = (List<?>) redis.server().call("TIME");
        long now = Long.parseLong((String) time.get(0)) * 1_000_000 + Long.parseLong((String) time.get(1));
        assertThat(tat - now).as("4 tokens of 60 s taken in Redis").isBetween(239_000_000L, 240_000_000L);
        assertThat(decisions("leased", "admitted")).isEqualTo(2);
        assertThat(decisions("daily", "rejected")).isEqualTo(1);
    }

    @Test
    void limitsOfOneKeyValueTakeOneRoundTripAndOthersOneEach() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: rps, routes: [orders], key: [ip], rate: 1/m, burst: 2, scope: cluster}
                  - {id: daily, routes: [orders], key: [ip], quota: 100/day, scope: cluster}
                  - {id: everyone, routes: [orders], rate: 1/m, burst: 100, scope: cluster}
                """);
        redis.server().call("CONFIG", "RESETSTAT");
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(scriptCalls()).as("{rl:10.0.0.1} for rps and daily, then {rl:*} for everyone").isEqualTo(2);
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(decide(f).code()).isEqualTo("rate_limited");
        assertThat(scriptCalls()).as("the refusal in the first tag asks nothing more").isEqualTo(5);
        List<?> daily = (List<?>) redis.server().call("KEYS", "gw:{rl:10.0.0.1}:daily:q:*");
        assertThat(redis.server().call("GET", (String) daily.get(0))).as("the refused request wrote nothing")
                .isEqualTo("2");
    }

    /** EVALSHA and EVAL calls Redis has served since the last CONFIG RESETSTAT. */
    private long scriptCalls() {
        return redis.server().commandCalls("evalsha") + redis.server().commandCalls("eval");
    }

    @Test
    void aClusterQueueWaitsForItsReservationAndALeavingClientGivesItBack() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: q, routes: [orders], key: [ip], rate: 2/s, burst: 1, scope: cluster, on-exceed: queue,
                     queue: {max-wait: 1500ms, max-length: 2}}
                """);
        long start = System.nanoTime();
        assertThat(decide(f).code()).isEqualTo("admitted");
        assertThat(decisions("q", "queued")).as("the bucket's one token: taken at once, never queued").isZero();
        assertThat(scheduled).as("no wait scheduled").isEmpty();
        Outcome queued = decide(f);
        long sinceFirst = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(queued.code()).isEqualTo("admitted");
        assertThat(queued.onLoop()).isTrue();
        assertThat(decisions("q", "queued")).isEqualTo(1);
        // Its token is due 500 ms after the first request's: a wait for that reservation, not for max-wait.
        assertThat(scheduled).as("one wait, for the reservation").singleElement()
                .satisfies(d -> assertThat(d).isBetween(1L, TimeUnit.MILLISECONDS.toNanos(500)));
        assertThat(sinceFirst).as("served no earlier than its token, 500 ms after the first").isGreaterThanOrEqualTo(
                450);
        // Two reservations may wait (max-length 2); a third is refused at once.
        List<RequestContext> contexts = List.of(context(), context(), context());
        List<CompletionStage<FilterResult>> pending = new java.util.ArrayList<>();
        for (RequestContext c : contexts) {
            pending.add(loop.submit(() -> f.apply(c)).get(5, TimeUnit.SECONDS));
        }
        FilterResult third = pending.get(2).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(third).isInstanceOf(FilterResult.Refuse.class);
        assertThat(pending.get(0).toCompletableFuture().isDone()).as("still waiting").isFalse();
        // The first of them leaves; the second is served, and the first's reservation is back in Redis.
        String key = "gw:{rl:10.0.0.1}:q:tb";
        long before = Long.parseLong((String) redis.server().call("GET", key));
        loop.submit(contexts.get(0)::cancel).get(5, TimeUnit.SECONDS);
        until(Duration.ofSeconds(3), "the cancelled reservation is given back",
                () -> Long.parseLong((String) redis.server().call("GET", key)) == before - 500_000);
        assertThat(pending.get(1).toCompletableFuture().get(5, TimeUnit.SECONDS)).isNotInstanceOf(
                FilterResult.Refuse.class);
        assertThat(pending.get(0).toCompletableFuture().isDone()).as("a cancelled request is never served").isFalse();
        assertThat(decisions("q", "queued")).isEqualTo(3);
        assertThat(decisions("q", "rejected")).isEqualTo(1);
    }

    @Test
    void aClusterRateSplitAmongPriorityGroupsLendsOnlyAboveTheOwnersReserve() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: split, routes: [orders], rate: 1/m, burst: 10, scope: cluster,
                     priority-groups: {core: 60, other: 40}}
                """);
        int core = 0;
        for (int i = 0; i < 12; i++) {
            Outcome o = decide(f, "core");
            assertThat(o.onLoop()).isTrue();
            core += o.code().equals("admitted") ? 1 : 0;
        }
        // core's own 6 and 2 borrowed from other's 4: other keeps 2 for itself, which its apps then get.
        assertThat(core).isEqualTo(8);
        assertThat(decide(f, "other").code()).isEqualTo("admitted");
        assertThat(decide(f, "other").code()).isEqualTo("admitted");
        Outcome refused = decide(f, "other");
        assertThat(refused.code()).isEqualTo("rate_limited");
        assertThat(refused.policy()).as("the policy of other's share").isEqualTo("\"split\";q=4;w=600");
        assertThat(redis.server().call("EXISTS", "gw:{rl:*}:split:pg")).isEqualTo(1L);
    }

    @Test
    void aRequestAbandonedWhileRedisDecidesGivesItsTokenBack() throws Exception {
        GatewayFilter f = load("limits: [{id: g, routes: [orders], rate: 1/m, burst: 1, scope: cluster}]\n");
        redis.server().call("CLIENT", "PAUSE", "50", "ALL"); // Redis answers the decision 50 ms late
        RequestContext ctx = context();
        CompletionStage<FilterResult> pending = loop.submit(() -> f.apply(ctx)).get(5, TimeUnit.SECONDS);
        loop.submit(ctx::cancel).get(5, TimeUnit.SECONDS); // the client went away first
        assertThat(pending.toCompletableFuture().isDone()).isFalse();
        // Without the give-back the only token of the next minute would be spent.
        until(Duration.ofSeconds(3), "the abandoned request's token is given back",
                () -> redis.server().call("GET", "gw:{rl:*}:g:tb") != null && call(() -> decide(f).code())
                        .equals("admitted"));
        assertThat(decide(f).code()).isEqualTo("rate_limited");
    }

    private static <T> T call(java.util.concurrent.Callable<T> c) {
        try {
            return c.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void failOpenFallsBackToALocalShareWithoutHangingAndRecovers() throws Exception {
        GatewayFilter f = load("limits: [{id: o, routes: [orders], rate: 1/m, burst: 4, scope: cluster, "
                + "on-redis-error: fail-open, expected-nodes: 2}]\n");
        redis.server().kill();
        // The local share: a burst of 4 / 2 nodes, refilled at half the rate.
        assertThat(decide(f)).satisfies(o -> assertThat(o.code()).isEqualTo("admitted"))
                .satisfies(o -> assertThat(o.policy()).isEqualTo("\"o\";q=2;w=240"));
        assertThat(decide(f).code()).isEqualTo("admitted");
        Outcome third = decide(f);
        assertThat(third.code()).isEqualTo("rate_limited");
        assertThat(third.millis()).as("never a hang").isLessThanOrEqualTo(COMMAND_TIMEOUT.toMillis() * 10);
        assertThat(decisions("o", "error")).isEqualTo(3);
        redis.server().start(); // no restart of the gateway
        until(Duration.ofSeconds(10), "decisions are made in Redis again", () -> {
            try {
                return decide(f).code().equals("admitted")
                        && Long.valueOf(1).equals(redis.server().call("EXISTS", "gw:{rl:*}:o:tb"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void aPrioritySplitFailsOpenToALocalSplitShare() throws Exception {
        GatewayFilter f = load("""
                limits:
                  - {id: ps, routes: [orders], rate: 1/m, burst: 20, scope: cluster, expected-nodes: 2,
                     priority-groups: {core: 50, other: 50}}
                """);
        redis.server().kill();
        // This node's share: burst 20 / 2 = 10, split 5 + 5; core takes its 5 and borrows 3 of other's (other keeps
        // ceil(5 x 1/3) = 2 for itself).
        int core = 0;
        for (int i = 0; i < 10; i++) {
            core += decide(f, "core").code().equals("admitted") ? 1 : 0;
        }
        assertThat(core).isEqualTo(8);
        Outcome other = decide(f, "other");
        assertThat(other.code()).isEqualTo("admitted");
        assertThat(other.policy()).as("5 tokens at a quarter of 1/m each").isEqualTo("\"ps\";q=5;w=1200");
        assertThat(decisions("ps", "error")).isEqualTo(11);
    }

    @Test
    void failClosedAnswers503WithoutHangingAndRecovers() throws Exception {
        GatewayFilter f = load("limits: [{id: x, routes: [orders], rate: 1/m, burst: 5, scope: cluster, "
                + "on-redis-error: fail-closed}]\n");
        assertThat(decide(f).code()).isEqualTo("admitted");
        redis.server().kill();
        for (int i = 0; i < 3; i++) {
            Outcome o = decide(f);
            assertThat(o.code()).isEqualTo("ratelimit_unavailable");
            assertThat(o.limit()).isEqualTo("x");
            assertThat(o.millis()).as("never a hang").isLessThanOrEqualTo(COMMAND_TIMEOUT.toMillis() * 10);
        }
        assertThat(decisions("x", "error")).isEqualTo(3);
        redis.server().start();
        until(Duration.ofSeconds(10), "admitted through Redis again", () -> {
            try {
                return decide(f).code().equals("admitted");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    private static void until(Duration max, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
