package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The cluster limits' Lua script against real Redis: exactness on Redis's clock, NOSCRIPT, expiry, faults, Cluster. */
class ClusterLimitsTest {
    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    private static final long MS = 1_000_000L;

    private static RedisConfig config(String uri) {
        return new RedisConfig(uri, List.of(), COMMAND_TIMEOUT, Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    @Test
    void aBucketAdmitsRateTimesRedisTimePlusBurst() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String key = limits.bucketKey("exact", ClusterLimits.tag("k"));
            long interval = 10 * MS; // 100/s
            long burst = 20;
            long admitted = 0;
            long refused = 0;
            // The bucket starts full at the first take (between start and firstAfter) and the last take happens
            // between lastBefore and end, all in Redis time: the admitted count lies between what those bounds allow.
            // A pause of this thread (a loaded machine) can let the bucket fill up and waste refill: after each take
            // the answer tells how much of the bucket is used, and a gap longer than that wastes the rest; the lower
            // bound leaves out what the measured gaps can have wasted.
            long usedMicros = 0;
            long wasted = 0;
            long start = redisMicros(redis);
            long firstAfter = 0;
            long lastBefore = 0;
            long end;
            do {
                long previousBefore = lastBefore;
                lastBefore = redisMicros(redis);
                long fill = await(limits.take(key, interval, burst));
                end = redisMicros(redis);
                if (previousBefore != 0) {
                    wasted += Math.max(0, end - previousBefore - usedMicros);
                }
                if (fill > 0) {
                    admitted++;
                    assertThat(fill).isLessThanOrEqualTo(burst * interval);
                    usedMicros = fill / 1000;
                } else {
                    refused++;
                    assertThat(-fill).as("the wait of a refusal is under one interval").isBetween(1L, interval);
                    usedMicros = (-fill + (burst - 1) * interval) / 1000;
                }
                firstAfter = firstAfter == 0 ? end : firstAfter;
            } while (end - start < 2_000_000);
            double least = burst + 100 * (lastBefore - firstAfter - wasted) / 1e6;
            double most = burst + 100 * (end - start) / 1e6;
            assertThat(refused).isPositive();
            assertThat((double) admitted).as("admitted over %s us of Redis time", end - start)
                    .isBetween(least * 0.99 - 1, most * 1.01 + 1);
        }
    }

    @Test
    void aQuotaCountsUpToItsLimitInItsWindowOnly() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String w1 = limits.quotaKey("daily", ClusterLimits.tag("app-1"), 1000);
            for (long i = 1; i <= 3; i++) {
                assertThat(await(limits.count(w1, 3, 60_000))).isEqualTo(i);
            }
            assertThat(await(limits.count(w1, 3, 60_000))).isEqualTo(-1L);
            await(limits.uncount(w1));
            assertThat(await(limits.count(w1, 3, 60_000))).isEqualTo(3L);
            String w2 = limits.quotaKey("daily", ClusterLimits.tag("app-1"), 1001);
            assertThat(await(limits.count(w2, 3, 60_000))).isEqualTo(1L);
            assertThat(w1).isEqualTo("gw:{rl:app-1}:daily:q:1000");
            assertThat(limits.bucketKey("r", ClusterLimits.tag(List.of("a{b}", "c,d%"))))
                    .isEqualTo("gw:{rl:a%7Bb%7D,c%2Cd%25}:r:tb");
        }
    }

    @Test
    void reloadsTheScriptAfterScriptFlush() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String key = limits.bucketKey("flush", ClusterLimits.tag("k"));
            assertThat(await(limits.take(key, 10 * MS, 5))).isPositive();
            redis.server().call("SCRIPT", "FLUSH");
            assertThat(redis.server().call("SCRIPT", "EXISTS", limits.sha())).isEqualTo(List.of(0L));
            assertThat(await(limits.take(key, 10 * MS, 5))).as("decided after NOSCRIPT").isPositive();
            assertThat(redis.server().call("SCRIPT", "EXISTS", limits.sha())).isEqualTo(List.of(1L));
        }
    }

    @Test
    void keysExpireWhenTheBucketIsFullAgainAndAfterTheWindow() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String bucket = limits.bucketKey("ttl", ClusterLimits.tag("k"));
            // Tokens and windows long enough that a stalled test thread still reads the keys before they expire.
            assertThat(await(limits.take(bucket, 500 * MS, 4))).isPositive();
            assertThat(await(limits.take(bucket, 500 * MS, 4))).isPositive();
            long pttl = (Long) redis.server().call("PTTL", bucket);
            assertThat(pttl).as("lives until full again: two tokens of 500 ms").isBetween(1L, 1001L);
            until(Duration.ofSeconds(10), "the full bucket's key is gone",
                    () -> (Long) redis.server().call("EXISTS", bucket) == 0);
            String quota = limits.quotaKey("ttl", ClusterLimits.tag("k"), 7);
            await(limits.count(quota, 10, 1000));
            assertThat((Long) redis.server().call("PTTL", quota)).isBetween(1L, 1000L);
            await(limits.count(quota, 10, 1000));
            assertThat((Long) redis.server().call("PTTL", quota)).as("a later count keeps the expiry")
                    .isBetween(1L, 1000L);
            until(Duration.ofSeconds(10), "the window's key is gone",
                    () -> (Long) redis.server().call("EXISTS", quota) == 0);
            assertThat(redis.server().call("DBSIZE")).isEqualTo(0L);
        }
    }

    @Test
    void failsWithinTheCommandTimeoutWhileRedisIsDownAndWorksWhenItIsBack() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String key = limits.bucketKey("down", ClusterLimits.tag("k"));
            assertThat(await(limits.take(key, 10 * MS, 5))).isPositive();
            redis.server().kill();
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                failure(limits.take(key, 10 * MS, 5));
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("never a hang").isLessThanOrEqualTo(COMMAND_TIMEOUT.toMillis() * 10);
            }
            redis.server().start(); // same port, empty: the script is gone too
            until(Duration.ofSeconds(5), "decisions work again", () -> succeeds(limits.take(key, 10 * MS, 5)));
        }
    }

    @Test
    void limitsOfOneKeyValueAreDecidedTogetherAllOrNothing() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String tag = ClusterLimits.tag("app-1");
            String[] keys = {limits.bucketKey("rps", tag), limits.quotaKey("daily", tag, 7)};
            boolean[] bucket = {true, false};
            long[] a = {1000 * MS, 10}; // 1/s; 10 a window
            long[] b = {2, 60_000}; // burst 2; the count lives a minute
            assertThat(await(limits.decide(keys, bucket, a, b, new long[2]))).containsExactly(0, 1000 * MS, 1);
            long[] second = await(limits.decide(keys, bucket, a, b, new long[2]));
            assertThat(second[0]).isZero();
            assertThat(second[1]).isBetween(1000 * MS, 2000 * MS);
            assertThat(second[2]).isEqualTo(2);
            long[] refused = await(limits.decide(keys, bucket, a, b, new long[2]));
            assertThat(refused[0]).as("the bucket, first, refuses").isEqualTo(1);
            assertThat(-refused[1]).isBetween(1L, 1000 * MS);
            assertThat(redis.server().call("GET", keys[1])).as("nothing written: the quota still counts 2")
                    .isEqualTo("2");
            long[] quotaFull = await(limits.decide(new String[] {keys[1]}, new boolean[] {false}, new long[] {2},
                    new long[] {60_000}, new long[1]));
            assertThat(quotaFull).containsExactly(1, -1);
        }
    }

    @Test
    void aQueueingBucketReservesTokensAheadUpToItsWait() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            String[] key = {limits.bucketKey("q", ClusterLimits.tag("k"))};
            boolean[] bucket = {true};
            long[] interval = {1000 * MS}; // 1/s, burst 1, reservations up to 2.5 s ahead
            long[] burst = {1};
            long[] queue = {2500 * MS};
            // Each answer is exact at the Redis time it was decided; the bounds allow for the Redis time that passed
            // since the first decision (measured, not assumed: a loaded machine may take long between calls).
            long t0 = redisMicros(redis);
            assertThat(await(limits.decide(key, bucket, interval, burst, queue))).containsExactly(0, 1000 * MS);
            long[] first = await(limits.decide(key, bucket, interval, burst, queue));
            long passed = (redisMicros(redis) - t0) * 1000;
            assertThat(first[0]).isZero();
            assertThat(first[1] - 1000 * MS).as("due in about a second").isBetween(1000 * MS - passed, 1000 * MS);
            long[] second = await(limits.decide(key, bucket, interval, burst, queue));
            passed = (redisMicros(redis) - t0) * 1000;
            assertThat(second[1] - 1000 * MS).as("due in about two seconds")
                    .isBetween(2000 * MS - passed, 2000 * MS);
            long[] third = await(limits.decide(key, bucket, interval, burst, queue));
            passed = (redisMicros(redis) - t0) * 1000;
            if (passed < 500 * MS) {
                assertThat(third[0]).as("three seconds ahead is past the wait").isEqualTo(1);
                assertThat(-third[1]).isBetween(3000 * MS - passed, 3000 * MS);
            }
        }
    }

    @Test
    void aPrioritySplitRateTakesItsOwnShareThenBorrowsAboveTheOwnersReserve() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.STANDALONE);
        try (RealRedis redis = RealRedis.standalone().start();
                RedisService service = RedisService.start(config(redis.uri()), null)) {
            until(Duration.ofSeconds(5), "redis is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            PriorityShares shares = new PriorityShares(new String[] {"core", "other"}, new long[] {60, 40});
            long interval = 60_000 * MS; // 1/m, burst 10: core's bucket holds 6, other's 4
            String key = limits.priorityKey("p", ClusterLimits.tag("*"));
            int core = 0;
            int[] byBucket = new int[2];
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                long[] r = await(take(limits, shares, key, core, interval));
                if (r[0] < 0) {
                    refused++;
                    assertThat(-r[1]).isPositive();
                } else {
                    byBucket[(int) r[0]]++;
                }
            }
            // Its own 6, then 2 of other's 4: other keeps ceil(4 x 1/3) = 2 for its owner.
            assertThat(byBucket).containsExactly(6, 2);
            assertThat(refused).isEqualTo(2);
            long[] owner = await(take(limits, shares, key, 1, interval));
            assertThat(owner[0]).as("the owner finds its reserve").isEqualTo(1);
            await(limits.priorityGive(key, 1, shares.interval(1, interval)));
            assertThat(await(take(limits, shares, key, 1, interval))[0]).as("given back, taken again").isEqualTo(1);
            assertThat(await(take(limits, shares, key, 1, interval))[0]).isEqualTo(1);
            assertThat(await(take(limits, shares, key, 1, interval))[0]).as("other's bucket is empty now").isEqualTo(-1);
            assertThat((Long) redis.server().call("PTTL", key)).as("lives until full again").isBetween(1L, 601_000L);
        }
    }

    private static CompletionStage<long[]> take(ClusterLimits limits, PriorityShares shares, String key, int g,
            long interval) {
        long[] iv = new long[shares.groups()];
        long[] usable = new long[shares.groups()];
        long full = 0;
        for (int h = 0; h < iv.length; h++) {
            iv[h] = shares.interval(h, interval);
            usable[h] = shares.usable(h, g, 10);
            full = Math.max(full, shares.burst(h, 10) * iv[h]);
        }
        return limits.priorityTake(key, g, iv, usable, full);
    }

    @Test
    void decidesOnARedisClusterThroughTheSameCode() throws Exception {
        RealRedis.assumeInstalled(RealRedis.Topology.CLUSTER);
        try (RealRedis redis = RealRedis.cluster().start();
                RedisService service = RedisService.start(new RedisConfig(null, redis.clusterUris(),
                        COMMAND_TIMEOUT, Duration.ofSeconds(2), "gw:", RedisConfig.Readiness.DEGRADED), null)) {
            until(Duration.ofSeconds(5), "the cluster is up", () -> service.health().up());
            ClusterLimits limits = new ClusterLimits(service);
            for (int i = 0; i < 30; i++) { // keys of many slots, on every master
                String bucket = limits.bucketKey("c", ClusterLimits.tag("k" + i));
                assertThat(await(limits.take(bucket, 1000 * MS, 2))).isPositive();
                assertThat(await(limits.take(bucket, 1000 * MS, 2))).isPositive();
                assertThat(await(limits.take(bucket, 1000 * MS, 2))).as("the third of a burst of 2").isNegative();
                String quota = limits.quotaKey("c", ClusterLimits.tag("k" + i), 5);
                assertThat(await(limits.count(quota, 1, 60_000))).isEqualTo(1L);
                assertThat(await(limits.count(quota, 1, 60_000))).isEqualTo(-1L);
                // A rate and a quota of one key value: one slot, one script call (CROSSSLOT otherwise).
                String other = limits.bucketKey("d", ClusterLimits.tag("k" + i));
                long[] both = await(limits.decide(new String[] {other, limits.quotaKey("d", ClusterLimits.tag("k" + i),
                        5)}, new boolean[] {true, false}, new long[] {1000 * MS, 3}, new long[] {2, 60_000}, new long[2]));
                assertThat(both[0]).isZero();
            }
            long keys = redis.servers().stream().mapToLong(n -> (Long) n.call("DBSIZE")).sum();
            assertThat(keys).isEqualTo(120);
            assertThat(redis.servers()).allMatch(n -> (Long) n.call("DBSIZE") > 0);
        }
    }

    private static long redisMicros(RealRedis redis) {
        List<?> t = (List<?>) redis.server().call("TIME");
        return Long.parseLong((String) t.get(0)) * 1_000_000 + Long.parseLong((String) t.get(1));
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static Throwable failure(CompletionStage<?> stage) throws InterruptedException {
        try {
            Object v = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the decision did not complete within 5 s");
        }
    }

    private static boolean succeeds(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
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
