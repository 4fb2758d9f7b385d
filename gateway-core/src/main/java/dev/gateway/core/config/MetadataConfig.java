package dev.gateway.core.config;

import java.time.Duration;

/**
 * Where app metadata comes from ({@code metadata:}): the configuration files' {@code apps:} ({@code file}, the
 * default), or Redis behind a Bloom filter and a local cache ({@code redis}, which needs a {@code redis:} section).
 * A change of source needs a restart; the cache and Bloom settings take effect on reload.
 */
public record MetadataConfig(Source source, Cache cache, Bloom bloom) {

    public enum Source { FILE, REDIS }

    /**
     * The local cache of app records read from Redis.
     *
     * @param maxSize most app records held (least recently used go first)
     * @param refreshAfter a hit older than this is served while one background reload runs
     * @param expireAfter the hard bound on an entry's age while Redis answers
     * @param negativeTtl how long "no such app" is remembered for a key the Bloom filter let through
     * @param staleIfError while Redis fails, entries are served up to this age (since they were loaded)
     */
    public record Cache(long maxSize, Duration refreshAfter, Duration expireAfter, Duration negativeTtl,
            Duration staleIfError) {}

    /**
     * The Bloom filter over every app key in Redis.
     *
     * @param expectedKeys how many keys it is sized for
     * @param fpp the false-positive probability at that size
     * @param rebuildInterval how often it is rebuilt from a SCAN of Redis
     */
    public record Bloom(long expectedKeys, double fpp, Duration rebuildInterval) {}

    public static MetadataConfig defaults() {
        return new MetadataConfig(Source.FILE, new Cache(100_000, Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofSeconds(5), Duration.ofHours(1)), new Bloom(1_000_000, 0.001, Duration.ofMinutes(10)));
    }
}
