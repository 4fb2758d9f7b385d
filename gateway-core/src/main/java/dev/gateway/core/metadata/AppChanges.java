package dev.gateway.core.metadata;

import dev.gateway.core.config.App;
import dev.gateway.core.metrics.GatewayMeters;
import dev.gateway.core.redis.RedisService;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's subscription to the app change channel ({@code <prefix>apps:changed}): every message (an app key) is
 * handed to {@link MetadataSource#changed}, so a change made on any node reaches every node's cache at once; the
 * message {@value AppRecords#RESYNC} is handed to {@link MetadataSource#resync} instead (changes were made without
 * messages). Its own pub/sub connection (Lettuce's, auto-reconnecting and resubscribing); no event loop is involved.
 *
 * <p><b>Missed messages.</b> Pub/sub delivers only to connected subscribers: messages published while this node was
 * disconnected are lost. So each time the subscription is confirmed again after a reconnect, the source is told to
 * start over ({@link MetadataSource#resync}). The subscription is confirmed after Lettuce has resubscribed, so nothing
 * published after the resync can be missed. If Redis is down at start, connecting is retried (50 ms .. 2 s) and the
 * first subscription that follows failed attempts resyncs too.
 *
 * <p>Counted in {@code gateway_metadata_events_total{type="changed"|"resync"}}.
 */
public final class AppChanges implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(AppChanges.class);
    private static final Duration RETRY_MIN = Duration.ofMillis(50);
    private static final Duration RETRY_MAX = Duration.ofSeconds(2);

    private final RedisService redis;
    private final MetadataSource metadata;
    private final String channel;
    private final Counter changed;
    private final Counter resynced;
    private volatile StatefulRedisPubSubConnection<String, String> connection;
    private volatile boolean closed;
    /** Set once the first subscription is confirmed; every later confirmation follows a reconnect. */
    private volatile boolean subscribedOnce;
    /** Connection attempts that failed before the first subscription (then messages may have been missed). */
    private volatile int failedAttempts;

    private AppChanges(RedisService redis, MetadataSource metadata, MeterRegistry registry) {
        this.redis = redis;
        this.metadata = metadata;
        this.channel = new AppRecords(redis).channel();
        this.changed = registry == null ? null : counter(registry, "changed");
        this.resynced = registry == null ? null : counter(registry, "resync");
    }

    private static Counter counter(MeterRegistry registry, String type) {
        return Counter.builder(GatewayMeters.METADATA_EVENTS)
                .description("App change events applied to the metadata source: changed (a key) or resync (all)")
                .tag("type", type).register(registry);
    }

    /**
     * Subscribes (asynchronously: returns at once; a Redis that is down is retried in the background).
     *
     * @param registry where events are counted, or null when metrics are off
     */
    public static AppChanges start(RedisService redis, MetadataSource metadata, MeterRegistry registry) {
        AppChanges changes = new AppChanges(redis, metadata, registry);
        changes.connect(0);
        return changes;
    }

    /** The change channel subscribed to. */
    public String channel() {
        return channel;
    }

    private void connect(int attempt) {
        if (closed) {
            return;
        }
        redis.connectPubSub().thenCompose(c -> {
            if (closed) {
                c.closeAsync();
                return java.util.concurrent.CompletableFuture.completedStage(null);
            }
            c.addListener(new Listener());
            c.addListener(new StateListener());
            connection = c;
            return c.async().subscribe(channel);
        }).whenComplete((ok, t) -> {
            if (t == null) {
                return;
            }
            StatefulRedisPubSubConnection<String, String> c = connection;
            connection = null;
            if (c != null) {
                c.closeAsync();
            }
            failedAttempts++;
            if (attempt == 0) {
                logger.warn("app change subscription to {} not established ({}); retrying in the background",
                        channel, redis.describe(t));
            }
            retry(attempt + 1);
        });
    }

    private void retry(int attempt) {
        if (closed) {
            return;
        }
        long delay = Math.min(RETRY_MAX.toMillis(), RETRY_MIN.toMillis() << Math.min(attempt, 6));
        try {
            redis.resources().eventExecutorGroup().schedule(() -> connect(attempt), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Messages and subscription confirmations, on a Lettuce I/O thread. */
    private final class Listener extends RedisPubSubAdapter<String, String> {
        @Override
        public void message(String ch, String key) {
            if (!channel.equals(ch) || closed) {
                return;
            }
            if (AppRecords.RESYNC.equals(key)) {
                logger.info("resync asked for on {}: rebuilding the Bloom filter, cached apps are read again", ch);
                resync();
                return;
            }
            logger.debug("app {} changed (change message)", key);
            metadata.changed(key);
            if (changed != null) {
                changed.increment();
            }
        }

        @Override
        public void subscribed(String ch, long count) {
            if (!channel.equals(ch) || closed) {
                return;
            }
            boolean first = !subscribedOnce;
            subscribedOnce = true;
            if (first && failedAttempts == 0) {
                logger.info("subscribed to app changes on {}", channel);
                return;
            }
            logger.info("subscribed to app changes on {} again: change messages may have been missed, resyncing",
                    channel);
            resync();
        }
    }

    private void resync() {
        metadata.resync();
        if (resynced != null) {
            resynced.increment();
        }
    }

    /** Says when the subscription is lost; the resync waits for its confirmation (see {@link Listener#subscribed}). */
    private final class StateListener implements RedisConnectionStateListener {
        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> c) {
            if (!closed) {
                logger.warn("app change subscription lost; resyncing once it is back");
            }
        }
    }

    /** Unsubscribes and closes the pub/sub connection (asynchronously). */
    @Override
    public void close() {
        closed = true;
        StatefulRedisPubSubConnection<String, String> c = connection;
        if (c != null) {
            c.closeAsync();
        }
    }
}
