package dev.gateway.core.metadata;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Malformed app records found in Redis, each logged at WARN once per key and value (not once per lookup): the key
 * and every problem, never the value (it may hold secrets). A record that changes and is still malformed is logged
 * again. Remembers a bounded number of keys.
 */
final class BadRecords {
    private static final Logger logger = LoggerFactory.getLogger(RedisMetadata.class);
    private static final int REMEMBERED = 10_000;

    /** Redis key -> hash of the malformed value last logged. */
    private final Cache<String, Integer> logged = Caffeine.newBuilder().maximumSize(REMEMBERED).build();

    void report(String redisKey, String value, List<String> problems) {
        Integer hash = value.hashCode();
        if (hash.equals(logged.asMap().put(redisKey, hash))) {
            return;
        }
        // A JSON parser's message quotes the token it stopped at, which may be part of a secret: not logged.
        logger.warn("metadata: malformed app record at {} is treated as unknown: {}", redisKey, String.join("; ",
                problems.stream().map(p -> p.startsWith("body: not JSON") ? "body: not JSON" : p).toList()));
    }
}
