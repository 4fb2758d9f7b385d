package dev.gateway.core.metadata;

import dev.gateway.core.config.App;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.redis.ScanPages;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The app records in Redis, as the admin API and the import command write them. Key layout (shared with the read
 * path):
 *
 * <ul>
 *   <li>{@code <prefix>app:<key>}: a string, the app as {@link AppJson#write} (secrets included);</li>
 *   <li>{@code <prefix>apps:changed}: the pub/sub channel; each message is the key of an app that was created,
 *       changed or deleted, or {@value #RESYNC} (no app key can be that): every node rebuilds its Bloom filter and
 *       reads its cached apps again, for changes made without a message (a script's bulk {@code SET}s).</li>
 * </ul>
 *
 * <p>Every method only starts async commands on the shared connection and returns a stage that completes on a
 * Lettuce thread (within the command timeout per command); a Redis failure fails the stage. Callers on an event loop
 * hop back to it before touching a channel.
 */
public final class AppRecords {
    /** The change message that asks every node to resync (an app key starts with a letter or digit). */
    public static final String RESYNC = "*";

    /** How many SCAN calls one page may make at most, so a page over a large keyspace stays a bounded amount of work. */
    private static final int MAX_SCANS_PER_PAGE = 10;

    private final RedisService redis;
    private final String recordPrefix;
    private final String channel;

    public AppRecords(RedisService redis) {
        this.redis = redis;
        this.recordPrefix = redis.key("app", "");
        this.channel = redis.key("apps", "changed");
    }

    /** What a write did. */
    public enum Written { CREATED, UPDATED }

    /**
     * A record as stored: the app, or null with the problems of a record that is not a valid app.
     *
     * @param key the app key (from the Redis key)
     */
    public record Stored(String key, App app, List<String> problems) {}

    /**
     * One page of a listing.
     *
     * @param cursor where the next page starts, or null after the last page
     */
    public record Page(List<Stored> apps, String cursor) {}

    /** {@code <prefix>app:<key>}. */
    public String recordKey(String appKey) {
        return recordPrefix + appKey;
    }

    /** {@code <prefix>apps:changed}. */
    public String channel() {
        return channel;
    }

    /** The record of {@code appKey}, or null when there is none. */
    public CompletionStage<Stored> get(String appKey) {
        return redis.call(c -> c.get(recordKey(appKey))).thenApply(json -> json == null ? null : parse(appKey, json));
    }

    /** Stores {@code app} (replacing any record of its key) with one {@code SET ... GET}; says whether it existed. */
    public CompletionStage<Written> put(App app) {
        return redis.call(c -> c.setGet(recordKey(app.key()), AppJson.write(app)))
                .thenApply(previous -> previous == null ? Written.CREATED : Written.UPDATED);
    }

    /** Deletes the record of {@code appKey}; true if there was one. */
    public CompletionStage<Boolean> delete(String appKey) {
        return redis.call(c -> c.del(recordKey(appKey))).thenApply(n -> n != null && n > 0);
    }

    /**
     * Publishes {@code appKey} on the change channel; completes with the number of nodes that received it (on Cluster,
     * of those subscribed through the Redis node that took the PUBLISH: Redis counts only its own clients).
     */
    public CompletionStage<Long> publish(String appKey) {
        return redis.call(c -> c.publish(channel, appKey));
    }

    /** Publishes {@value #RESYNC}: every node resyncs; completes with the number of nodes that received it. */
    public CompletionStage<Long> publishResync() {
        return publish(RESYNC);
    }

    /**
     * A page of records: {@code SCAN cursor MATCH <prefix>app:* COUNT limit} through {@link ScanPages} (on Cluster, one
     * master after another), repeated (at most a few times) until about {@code limit} keys are found or the scan
     * ends, then one {@code MGET}. As with SCAN itself, a page may hold a few more or fewer than {@code limit} records
     * (even none before the end: go on while the cursor is not null), and a record changed during the listing may
     * appear twice or not at all. A cursor of the wrong kind fails the stage with {@link IllegalArgumentException}.
     *
     * @param cursor null or "0" for the first page, else the cursor a previous page returned
     */
    public CompletionStage<Page> list(String cursor, int limit) {
        ScanArgs args = ScanArgs.Builder.matches(recordPrefix + "*").limit(limit);
        return ScanPages.page(redis, cursor, args, limit, MAX_SCANS_PER_PAGE).thenCompose(found -> {
            List<String> keys = found.keys();
            if (keys.isEmpty()) {
                return CompletableFuture.completedStage(new Page(List.of(), found.next()));
            }
            return redis.call(c -> c.mget(keys.toArray(String[]::new))).thenApply(values -> {
                List<Stored> out = new ArrayList<>();
                for (KeyValue<String, String> kv : values) {
                    if (kv.hasValue()) { // deleted since the scan: not listed
                        out.add(parse(kv.getKey().substring(recordPrefix.length()), kv.getValue()));
                    }
                }
                return new Page(out, found.next());
            });
        });
    }

    private static Stored parse(String appKey, String json) {
        AppJson.Read read = AppJson.read(json, appKey);
        if (read.ok()) {
            return new Stored(appKey, read.app(), List.of());
        }
        // Jackson's parse message may quote part of the record (a secret): keep only that it is not JSON.
        return new Stored(appKey, null, read.problems().stream()
                .map(p -> p.startsWith("body: not JSON") ? "body: not JSON" : p).toList());
    }
}
