package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.ManualClock;
import dev.gateway.core.testing.RealRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Token leasing against real Redis, on a manual clock for the node's side: round trips, expiry, empty buckets. */
class TokenLeaseTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long MAX_AGE = SECOND;

    private RealRedis redis;
    private RedisService service;
    private ClusterLimits cluster;
    private final ManualClock clock = new ManualClock();
    private final LocalLimits store = new LocalLimits(1000, clock);

    @BeforeEach
    void start() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        redis = RealRedis.standalone().start();
        service = RedisService.start(new RedisConfig(redis.uri(), List.of(), Duration.ofMillis(250),
                Duration.ofSeconds(2), "gw:", RedisConfig.Readiness.DEGRADED), null);
        until("redis is up", () -> service.health().up());
        cluster = new ClusterLimits(service);
    }

    @AfterEach
    void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** Takes a token as the cluster decision does: from the lease, else one wait for Redis. Counts round trips. */
    private long take(TokenLease lease, long interval, long burst, int size, int[] roundTrips) throws Exception {
        long fill = lease.take(cluster, store.now(), burst * interval);
        if (fill != 0) {
            return fill;
        }
        roundTrips[0]++;
        return await(lease.acquire(cluster, store, interval, burst, size, MAX_AGE));
    }

    @Test
    void aBusyKeyCostsOneRoundTripPerLease() throws Exception {
        String key = cluster.bucketKey("busy", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        long interval = SECOND; // a bucket of 1000 refilled at 1/s: the test's own time refills (almost) nothing
        int[] roundTrips = {0};
        for (int i = 0; i < 100; i++) {
            assertThat(take(lease, interval, 1000, 10, roundTrips)).as("request %s", i).isPositive();
        }
        assertThat(roundTrips[0]).isEqualTo(10);
        assertThat(lease.tokens()).isZero();
        // Redis's bucket was charged for exactly the 100 tokens: the next direct take sees 101 taken (less the
        // refill since, well under one token).
        long fill = await(cluster.take(key, interval, 1000));
        assertThat(fill).isBetween(100 * interval, 101 * interval);
    }

    @Test
    void concurrentMissesShareOneLeaseRequest() throws Exception {
        String key = cluster.bucketKey("shared", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        long interval = SECOND; // 1/s: Redis's refill during the test is negligible
        List<CompletionStage<Long>> waiting = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waiting.add(lease.acquire(cluster, store, interval, 100, 8, MAX_AGE));
        }
        for (CompletionStage<Long> w : waiting) {
            assertThat(await(w)).isPositive();
        }
        assertThat(lease.tokens()).isZero();
        assertThat(await(cluster.take(key, interval, 100))).as("8 leased in one request, then this one")
                .isBetween(8 * interval, 9 * interval);
    }

    @Test
    void aMissThatRacesALandingLeaseTakesFromItInsteadOfLeasingAgain() throws Exception {
        String key = cluster.bucketKey("race", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        long interval = SECOND;
        assertThat(await(lease.acquire(cluster, store, interval, 100, 8, MAX_AGE))).isPositive();
        assertThat(lease.tokens()).isEqualTo(7);
        // A caller that found the lease empty just before that lease landed now asks: it takes a leased token.
        assertThat(await(lease.acquire(cluster, store, interval, 100, 8, MAX_AGE))).isPositive();
        assertThat(lease.tokens()).isEqualTo(6);
        assertThat(await(cluster.take(key, interval, 100))).as("still only 8 leased from Redis, then this one")
                .isBetween(8 * interval, 9 * interval);
    }

    @Test
    void tokensOlderThanMaxAgeGoBackToRedis() throws Exception {
        String key = cluster.bucketKey("old", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        long interval = SECOND;
        assertThat(await(lease.acquire(cluster, store, interval, 100, 10, MAX_AGE))).isPositive();
        assertThat(lease.tokens()).isEqualTo(9);
        long tatBefore = Long.parseLong((String) redis.server().call("GET", key));
        clock.advanceNanos(MAX_AGE);
        assertThat(lease.take(cluster, store.now(), 100 * interval)).as("too old to spend: ask Redis").isZero();
        assertThat(lease.tokens()).isZero();
        long micros = interval / 1000;
        until("the 9 unspent tokens are back in Redis",
                () -> Long.parseLong((String) redis.server().call("GET", key)) == tatBefore - 9 * micros);
    }

    @Test
    void anEmptyBucketRefusesHereUntilRedisWouldHaveAToken() throws Exception {
        String key = cluster.bucketKey("empty", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        long interval = SECOND; // burst 2, 1/s
        int[] roundTrips = {0};
        assertThat(take(lease, interval, 2, 2, roundTrips)).isPositive();
        assertThat(take(lease, interval, 2, 2, roundTrips)).isPositive();
        long refused = take(lease, interval, 2, 2, roundTrips);
        assertThat(refused).as("Redis has none").isNegative();
        assertThat(-refused).isBetween(1L, interval);
        assertThat(roundTrips[0]).isEqualTo(2);
        assertThat(lease.take(cluster, store.now(), 2 * interval)).as("refused without asking").isNegative();
        assertThat(roundTrips[0]).isEqualTo(2);
        clock.advanceNanos(-refused);
        assertThat(lease.take(cluster, store.now(), 2 * interval)).as("the wait is over: ask Redis again").isZero();
    }

    @Test
    void aFailedLeaseRequestFailsItsWaitersAndTheNextOneAsksAgain() throws Exception {
        String key = cluster.bucketKey("down", ClusterLimits.tag("k"));
        TokenLease lease = cluster.lease(key);
        redis.server().kill();
        CompletionStage<Long> failed = lease.acquire(cluster, store, SECOND, 10, 5, MAX_AGE);
        Throwable t = null;
        try {
            failed.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            t = e.getCause();
        }
        assertThat(t).as("Redis is down").isNotNull();
        redis.server().restart();
        until("redis is up again", () -> service.health().up());
        until("a lease is granted again", () -> {
            try {
                return lease.acquire(cluster, store, SECOND, 10, 5, MAX_AGE).toCompletableFuture()
                        .get(5, TimeUnit.SECONDS) > 0;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(lease.tokens()).isEqualTo(4);
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after 5 s waiting until " + what);
            }
            LockSupport.parkNanos(10_000_000);
        }
    }
}
