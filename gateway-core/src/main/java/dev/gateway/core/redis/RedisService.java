package dev.gateway.core.redis;

import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.config.RedisUris;
import dev.gateway.core.metrics.GatewayMeters;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.DefaultEventPublisherOptions;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The shared Redis every feature uses (metadata, limits, the replay store): one auto-reconnecting Lettuce connection
 * to a standalone server, a Sentinel-managed master or a Redis Cluster, pipelined and shared by every event loop.
 * Built once by the server from {@link RedisConfig}, handed out through the runtime's {@code Services}, and closed
 * when the process stops; a reload does not touch it.
 *
 * <p><b>Threads.</b> Lettuce runs on its own small {@link ClientResources}: two I/O threads (Lettuce's minimum; one
 * connection, or one per cluster node, each pinned to one of them), two computation threads (Lettuce's minimum:
 * events, reconnects, the health check) and one timer thread with a 10 ms tick for command timeouts. The gateway's
 * event loops are not lent to Lettuce: a slow Redis callback can never delay proxied requests. The request path only
 * ever starts commands: {@link #call} returns a stage that completes on a Lettuce thread, so a caller hops
 * back to its event loop before touching a channel or a request.
 *
 * <p><b>Timeouts.</b> Every command fails with a {@code RedisCommandTimeoutException} after
 * {@code command-timeout}; while the connection is down, commands are refused at once on a standalone or Sentinel
 * connection (on Cluster, where node connections open on demand, they wait for the node within the timeout); before
 * the first connection, {@link #call} fails at once with {@link RedisUnavailableException}. No caller waits longer
 * than the command timeout.
 *
 * <p><b>Health.</b> Up or down, from the connection's events plus a PING every second on Lettuce's computation
 * thread; each change is logged once (WARN with the cause on loss, INFO on recovery) and exported as
 * {@code gateway_redis_up}. If Redis is down at start, the gateway starts anyway and connects when it answers.
 */
public final class RedisService implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(RedisService.class);
    /** How often the health check PINGs. */
    static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);
    /** Lettuce's reconnect delays (after a lost connection) and ours (before the first one succeeded). */
    private static final Duration RETRY_MIN = Duration.ofMillis(50);
    private static final Duration RETRY_MAX = Duration.ofSeconds(2);

    private final RedisConfig config;
    private final RedisKeys keys;
    private final HashedWheelTimer timer;
    private final ClientResources resources;
    /** Standalone or Sentinel; null on Cluster. */
    private final RedisClient client;
    private final RedisURI uri;
    /** Cluster; null otherwise. */
    private final ClusterClient clusterClient;
    /** What no message may show: the passwords of the configured URIs. */
    private final List<String> secrets = new ArrayList<>();
    private final HealthState health;
    private final AtomicLong pings = new AtomicLong();
    private final Disposable events;
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> commands;
    private volatile String lastFailure = "not connected yet";
    private volatile boolean closed;
    private volatile io.netty.util.concurrent.ScheduledFuture<?> healthTask;

    private RedisService(RedisConfig config, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.keys = new RedisKeys(config.keyPrefix());
        this.health = new HealthState(config.target(), clock);
        this.timer = new HashedWheelTimer(new DefaultThreadFactory("lettuce-timer", true), 10, TimeUnit.MILLISECONDS);
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2) // Lettuce's minimum; one shared connection needs no more
                .computationThreadPoolSize(2)
                .timer(timer)
                .reconnectDelay(() -> Delay.equalJitter(RETRY_MIN, RETRY_MAX, 2, TimeUnit.MILLISECONDS))
                .commandLatencyRecorder(CommandLatencyRecorder.disabled()) // CommandMetrics records instead
                .commandLatencyPublisherOptions(DefaultEventPublisherOptions.disabled())
                .build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(config.connectTimeout()).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(config.commandTimeout());
        if (config.isCluster()) {
            List<RedisURI> seeds = new ArrayList<>();
            for (String seed : config.cluster()) {
                seeds.add(redisUri(seed));
            }
            this.uri = null;
            this.client = null;
            this.clusterClient = new ClusterClient(resources, seeds);
            // Node connections open lazily, on the first command for a node: refusing commands while one is
            // still connecting would fail that first command, so on Cluster commands wait for the node, within the
            // command timeout like any other.
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(30))
                            .enableAllAdaptiveRefreshTriggers()
                            .build())
                    .build());
        } else {
            this.uri = redisUri(config.uri());
            this.clusterClient = null;
            this.client = RedisClient.create(resources);
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
        }
        RedisConnectionStateListener listener = new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> c, SocketAddress address) {
                checkSoon();
            }

            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> c) {
                if (c == connection) {
                    lastFailure = "connection lost";
                }
                checkSoon();
            }
        };
        AbstractRedisClient lettuce = client != null ? client : clusterClient;
        lettuce.addListener(listener);
        this.events = resources.eventBus().get().subscribe(e -> {
            if (e instanceof ReconnectFailedEvent f) {
                lastFailure = "reconnect to " + f.remoteAddress() + " failed: "
                        + Failures.describe(secrets, f.getCause());
            }
        });
        if (registry != null) {
            Gauge.builder(GatewayMeters.REDIS_UP, this, s -> s.health().up() ? 1 : 0)
                    .description("1 while the shared Redis answers, 0 while it does not")
                    .strongReference(true)
                    .register(registry);
            lettuce.addListener(new CommandMetrics(registry));
        }
    }

    private RedisURI redisUri(String text) {
        String secret = RedisUris.password(text);
        if (secret != null && !secret.isEmpty()) {
            secrets.add(secret);
        }
        RedisURI u = RedisURI.create(text);
        u.setTimeout(config.commandTimeout());
        for (RedisURI sentinel : u.getSentinels()) {
            sentinel.setTimeout(config.commandTimeout());
        }
        return u;
    }

    /**
     * Builds the client and connects, waiting at most {@code connect-timeout} for the first connection; if Redis
     * does not answer by then, returns anyway (Redis reported down) and keeps connecting in the background. Call it
     * on the main thread at start-up, never on an event loop.
     *
     * @param registry where {@code gateway.redis.*} meters go, or null when metrics are off
     */
    /**
     * A service that never connects: every command fails at once with {@link RedisUnavailableException}. For
     * {@code --check}, which builds everything a configuration needs without talking to Redis. Close it after use.
     */
    public static RedisService offline(RedisConfig config) {
        RedisService redis = new RedisService(config, null, Clock.systemUTC());
        redis.lastFailure = "offline (configuration check)";
        return redis;
    }

    public static RedisService start(RedisConfig config, MeterRegistry registry) throws InterruptedException {
        return start(config, registry, Clock.systemUTC());
    }

    static RedisService start(RedisConfig config, MeterRegistry registry, Clock clock) throws InterruptedException {
        RedisService redis = new RedisService(config, registry, clock);
        CompletableFuture<?> first = redis.attempt(0);
        try {
            first.get(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            logger.warn("redis {} is down at start-up ({}); starting without it, commands fail until it answers",
                    config.target(), e instanceof TimeoutException ? "no connection within "
                            + config.connectTimeout() : Failures.describe(redis.secrets, e.getCause()));
        } catch (InterruptedException e) {
            redis.close();
            throw e;
        }
        redis.healthTask = redis.resources.eventExecutorGroup().scheduleAtFixedRate(redis::check,
                HEALTH_INTERVAL.toMillis(), HEALTH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return redis;
    }

    /** One connection attempt; on failure the next is scheduled, with a growing delay, until one succeeds. */
    private CompletableFuture<? extends StatefulConnection<String, String>> attempt(int n) {
        CompletableFuture<? extends StatefulConnection<String, String>> f;
        try {
            f = clusterClient != null ? clusterClient.connectFirstAsync()
                    : client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((c, t) -> {
            if (t == null) {
                connected(c);
            } else {
                lastFailure = "cannot connect: " + Failures.describe(secrets, t);
                health.down(lastFailure);
                retry(n + 1);
            }
        });
        return f;
    }

    private void retry(int n) {
        if (closed) {
            return;
        }
        long delay = Math.min(RETRY_MAX.toMillis(), RETRY_MIN.toMillis() << Math.min(n, 6));
        try {
            resources.eventExecutorGroup().schedule(() -> {
                attempt(n);
            }, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: no more attempts
        }
    }

    @SuppressWarnings("unchecked")
    private void connected(StatefulConnection<String, String> c) {
        if (closed) {
            c.closeAsync();
            return;
        }
        commands = c instanceof StatefulRedisClusterConnection<?, ?> cluster
                ? ((StatefulRedisClusterConnection<String, String>) cluster).async()
                : ((StatefulRedisConnection<String, String>) c).async();
        connection = c;
        checkSoon();
    }

    /**
     * Starts a command on the shared connection; {@code command} picks it from the async API common to standalone
     * and Cluster (e.g. {@code redis.call(c -> c.get(key))}). Never blocks: the stage completes on a Lettuce thread
     * within the command timeout, or at once with {@link RedisUnavailableException} before the first connection.
     * Don't call {@code get()} or {@code join()} on it on an event loop.
     */
    public <T> CompletionStage<T> call(
            Function<RedisClusterAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
        RedisClusterAsyncCommands<String, String> c = commands;
        if (c == null || closed) {
            return CompletableFuture.failedStage(new RedisUnavailableException(closed ? "redis client is closed"
                    : "redis is not connected: " + lastFailure));
        }
        try {
            return command.apply(c);
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
    }

    /**
     * A script run with EVALSHA and an EVAL fallback on NOSCRIPT. Loads it now, best effort (a node that lacks it
     * later gets it through the fallback). Call at start-up or compile time.
     */
    public RedisScript script(String lua) {
        RedisScript script = new RedisScript(this, lua);
        call(c -> c.scriptLoad(lua)).whenComplete((sha, t) -> {
            if (t != null) {
                logger.debug("redis script {} not loaded now ({}); EVAL loads it on first use", script.sha(),
                        Failures.describe(secrets, t));
            }
        });
        return script;
    }

    /**
     * A new pub/sub connection (Sentinel-aware, or a Cluster pub/sub connection), auto-reconnecting and
     * resubscribing. The caller owns it and closes it; the stage completes on a Lettuce thread.
     */
    public CompletionStage<StatefulRedisPubSubConnection<String, String>> connectPubSub() {
        if (closed) {
            return CompletableFuture.failedStage(new RedisUnavailableException("redis client is closed"));
        }
        try {
            return clusterClient != null
                    ? clusterClient.connectPubSubAsync(StringCodec.UTF8).thenApply(c -> c)
                    : client.connectPubSubAsync(StringCodec.UTF8, uri);
        } catch (RuntimeException e) {
            return CompletableFuture.failedStage(e);
        }
    }

    /** A failure as one line for a log or an error body: the messages of it and its causes, passwords masked. */
    public String describe(Throwable failure) {
        return Failures.describe(secrets, failure);
    }

    /** The key builder over {@code key-prefix}. */
    public RedisKeys keys() {
        return keys;
    }

    /** {@code key-prefix + parts joined by ':'}; see {@link RedisKeys}. */
    public String key(String... parts) {
        return keys.key(parts);
    }

    public RedisConfig config() {
        return config;
    }

    /** True when {@code readiness: required}: Redis down fails {@code /health/ready}. */
    public boolean isRequiredForReadiness() {
        return config.readiness() == RedisConfig.Readiness.REQUIRED;
    }

    /** The current health; a volatile read, cheap on any thread. */
    public RedisHealth health() {
        return health.current();
    }

    /** Lettuce's resources, e.g. for its event bus; the gateway's event loops are not among them. */
    public ClientResources resources() {
        return resources;
    }

    private void checkSoon() {
        if (closed) {
            return;
        }
        try {
            resources.eventExecutorGroup().execute(this::check);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** The health check: the connection's state, then a PING; on Lettuce's computation thread. */
    private void check() {
        StatefulConnection<String, String> c = connection;
        RedisClusterAsyncCommands<String, String> cmds = commands;
        if (closed) {
            return;
        }
        if (c == null || cmds == null) {
            health.down(lastFailure);
            return;
        }
        if (!c.isOpen()) {
            health.down(lastFailure);
            return;
        }
        long n = pings.incrementAndGet();
        RedisFuture<String> ping;
        try {
            ping = cmds.ping();
        } catch (RuntimeException e) {
            health.down("PING failed: " + Failures.describe(secrets, e));
            return;
        }
        ping.whenComplete((pong, t) -> {
            if (n != pings.get() || closed) {
                return; // a later check decides
            }
            if (t == null) {
                health.up();
            } else {
                health.down("PING failed: " + Failures.describe(secrets, t));
            }
        });
    }

    /** Closes the connections and Lettuce's threads (at most a few seconds). Not on a Lettuce or event-loop thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (healthTask != null) {
            healthTask.cancel(false);
        }
        events.dispose();
        try {
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            } else {
                clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            }
        } catch (RuntimeException e) {
            logger.debug("redis client shutdown: {}", Failures.describe(secrets, e));
        }
        try {
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            logger.debug("redis resources shutdown: {}", Failures.describe(secrets, e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.stop();
    }

    /** Lettuce's cluster client with an async first connect: the topology is read first, without blocking. */
    private static final class ClusterClient extends RedisClusterClient {
        ClusterClient(ClientResources resources, List<RedisURI> seeds) {
            super(resources, seeds);
        }

        CompletableFuture<StatefulRedisClusterConnection<String, String>> connectFirstAsync() {
            return initializePartitions().thenCompose(p -> connectAsync(StringCodec.UTF8));
        }
    }
}
