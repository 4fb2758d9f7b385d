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
    public record Cache(@Binder.Bytes(min = 1, max = 100_000_000) long maxSize, @Binder.Positive Duration refreshAfter,
            @Binder.Positive Duration expireAfter, @Binder.Positive Duration negativeTtl, Duration staleIfError)
            implements Binder.Validated {

        public static Cache defaults() {
            return MetadataConfig.defaults().cache();
        }

        @Override
        public void validate(Problems problems) {
            if (refreshAfter.compareTo(expireAfter) >= 0) {
                problems.add("refresh-after", "refresh-after (" + refreshAfter + ") must be shorter than expire-after ("
                        + expireAfter + ")");
            }
        }
    }

    /**
     * The Bloom filter over every app key in Redis.
     *
     * @param expectedKeys how many keys it is sized for
     * @param fpp the false-positive probability at that size
     * @param rebuildInterval how often it is rebuilt from a SCAN of Redis
     */
    public record Bloom(@Binder.Bytes(min = 1, max = 1_000_000_000) long expectedKeys, double fpp,
            @Binder.Positive Duration rebuildInterval) implements Binder.Validated {

        public static Bloom defaults() {
            return MetadataConfig.defaults().bloom();
        }

        @Override
        public void validate(Problems problems) {
            if (!(fpp > 0 && fpp < 0.5)) {
                problems.add("fpp", "expected a false-positive probability between 0 and 0.5 such as 0.001, found '"
                        + ((ConfigNode.ScalarNode) problems.scope().entries().get("fpp")).value() + "'");
            }
        }
    }

    public static MetadataConfig defaults() {
        return new MetadataConfig(Source.FILE, new Cache(100_000, Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofSeconds(5), Duration.ofHours(1)), new Bloom(1_000_000, 0.001, Duration.ofMinutes(10)));
    }
}
