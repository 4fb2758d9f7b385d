package dev.gateway.core.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script run with {@code EVALSHA}, falling back to {@code EVAL} (which also caches it) when a node answers
 * {@code NOSCRIPT}: after a restart, a failover or on a cluster node that never saw it. Made by
 * {@link RedisService#script(String)} at start-up or compile time, never per request. The keys a script touches
 * must share a hash tag ({@link RedisKeys#tagged}) to work on Cluster. Thread-safe.
 */
public final class RedisScript {
    private final RedisService redis;
    private final String body;
    private final String sha;

    RedisScript(RedisService redis, String body) {
        this.redis = redis;
        this.body = body;
        this.sha = sha1(body);
    }

    /** The script's SHA-1, as {@code SCRIPT LOAD} answers it. */
    public String sha() {
        return sha;
    }

    /**
     * Runs the script. Never blocks; the stage completes on a Lettuce thread (hop back to the event loop before
     * touching a channel), within the command timeout, or at once when Redis is not connected.
     */
    public <T> CompletionStage<T> run(ScriptOutputType type, String[] keys, String... args) {
        return redis.<T>call(c -> c.evalsha(sha, type, keys, args)).handle((r, t) -> {
            if (t == null) {
                return CompletableFuture.completedStage(r);
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof RedisNoScriptException
                    || cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT")) {
                return redis.<T>call(c -> c.eval(body, type, keys, args));
            }
            return CompletableFuture.<T>failedStage(cause);
        }).thenCompose(s -> s);
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                    .digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JVM", e);
        }
    }
}
