package dev.gateway.core.redis;

import dev.gateway.core.config.RedisConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Helpers of the Redis service tests: configurations, bounded waits, results of stages. */
final class RedisTesting {
    static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);

    private RedisTesting() {}

    static RedisConfig config(String uri) {
        return new RedisConfig(uri, List.of(), COMMAND_TIMEOUT, Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    static RedisConfig cluster(List<String> seeds) {
        return new RedisConfig(null, seeds, COMMAND_TIMEOUT, Duration.ofSeconds(2), "gw:",
                RedisConfig.Readiness.DEGRADED);
    }

    /** The stage's value; a test thread may wait (bounded), the request path never does. */
    static <T> T await(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** The stage's failure (an AssertionError if it succeeded or did not complete within 5 s). */
    static Throwable failure(CompletionStage<?> stage) throws InterruptedException {
        try {
            Object v = stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("the command did not complete within 5 s");
        }
    }

    /** Polls every 20 ms until {@code condition} holds; AssertionError naming {@code what} after {@code max}. */
    static void until(Duration max, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + max + " waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** True if {@code stage} succeeds within 5 s (for polling until commands work again). */
    static boolean succeeds(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
