package dev.gateway.server;

import dev.gateway.core.auth.LocalReplayStore;
import dev.gateway.core.auth.RedisReplayStore;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.HostPort;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.config.TlsConfig;
import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.metadata.AppChanges;
import dev.gateway.core.metadata.AppRecords;
import dev.gateway.core.metadata.EmbeddedMetadata;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.metadata.RedisMetadata;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.runtime.CurrentConfig;
import dev.gateway.core.upstream.HealthChecks;
import dev.gateway.core.runtime.Services;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.upstream.Allocators;
import dev.gateway.core.upstream.Transport;
import dev.gateway.core.upstream.UpstreamClient;
import dev.gateway.server.admin.AdminHandler;
import dev.gateway.server.demo.EchoInitializer;
import dev.gateway.server.http1.Http1Initializer;
import dev.gateway.server.http2.H2cInitializer;
import dev.gateway.server.http2.Http2ClientConnection;
import dev.gateway.server.http2.Http2Floods;
import dev.gateway.server.http1.ProxyState;
import dev.gateway.server.reload.ConfigReloader;
import dev.gateway.server.reload.ReloadHooks;
import dev.gateway.server.tls.Alpn;
import dev.gateway.server.tls.TlsContexts;
import dev.gateway.server.tls.TlsListener;
import dev.gateway.server.tls.TlsMetrics;
import dev.gateway.server.tls.TlsProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: it builds the services once (event loops, upstream client, metadata, replay store, meters,
 * the shared Redis, access log), hands them to the filter factories, compiles the configuration into the first snapshot, binds the
 * proxy, admin and optional demo echo listeners, and owns the {@link ConfigReloader} that swaps in later
 * snapshots. {@link #start()} binds everything; {@link #drain(Duration)} shuts down gracefully.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(GatewayServer.class);
    /** Signatures remembered at most by the replay store of one node. */
    private static final long REPLAY_STORE_SIZE = 1_000_000;

    private final Path configFile;
    private final Function<String, String> env;
    private Transport transport;
    private int ioThreads;
    private EventLoopGroup group;
    /** The admin listener's own loop: a scrape never waits behind proxy traffic, nor delays it. */
    private EventLoopGroup adminGroup;
    private GatewayMetrics metrics;
    /** The shared Redis, or null without a {@code redis:} section. */
    private RedisService redis;
    /** The app records in Redis and this node's subscription to their changes; null unless source is redis. */
    private AppRecords appRecords;
    private AppChanges appChanges;
    /** Where apps come from: the files' apps, or Redis ({@code metadata.source}). */
    private MetadataSource metadata;
    private Services services;
    private CurrentConfig current;
    private AccessLog accessLog;
    private ProxyState state;
    /** HTTP/2 floods stopped, by kind (for gateway_http2_floods_total). */
    private final Http2Floods floods = new Http2Floods();
    private ConfigReloader reloader;
    private Channel proxyChannel;
    /** The TLS listener (server.tls), its pipeline and meters; null without the section. */
    private Channel tlsChannel;
    private TlsListener tls;
    private TlsMetrics tlsMetrics;
    /** The TLS contexts a reload built in {@link ReloadHooks#prepare}, published in {@link ReloadHooks#swapping}. */
    private volatile TlsContexts preparedTls;
    private Channel adminChannel;
    private Channel echoChannel;
    /** The pid file written at start, or null. */
    private PidFile pidFile;
    private volatile boolean ready;
    private final CountDownLatch terminated = new CountDownLatch(1);

    /** @param env where {@code ${NAME}} in the configuration is looked up */
    public GatewayServer(Path configFile, Function<String, String> env) {
        this.configFile = configFile;
        this.env = env;
    }

    /**
     * Loads and compiles the configuration, builds the services and binds the listeners. On failure everything
     * started is stopped again.
     */
    public GatewayServer start() throws ConfigException, InterruptedException {
        // The settings the services are built from come first; the filters are read once their factories exist.
        GatewayConfig settings;
        try {
            settings = ConfigLoader.settingsOnly(env).load(configFile);
        } catch (ConfigException e) {
            check(configFile, env); // reports every error, filters' included
            throw e;
        }
        ServerConfig s = settings.server();
        transport = switch (s.transport()) {
            case NIO -> Transport.nio();
            case EPOLL -> Transport.epoll();
            default -> Transport.best();
        };
        ioThreads = s.ioThreads() > 0 ? s.ioThreads() : Runtime.getRuntime().availableProcessors();
        group = transport.newGroup(ioThreads, "gateway-io");
        adminGroup = transport.newGroup(1, "gateway-admin");
        try {
            metrics = settings.metrics().enabled() ? new GatewayMetrics() : null;
            MeterRegistry registry = metrics == null ? null : metrics.registry();
            // Waits at most redis.connect-timeout; a Redis that is down is reported and connected to later.
            redis = settings.redis() == null ? null : RedisService.start(settings.redis(), registry);
            // With source: redis, apps come from Redis through a Bloom filter and a cache; the filter's first build
            // is waited for at most redis.connect-timeout (a Redis that is down: every key passes until it is built).
            metadata = settings.metadata().source() == MetadataConfig.Source.REDIS
                    ? RedisMetadata.start(redis, settings.metadata(), registry, settings.redis().connectTimeout())
                    : new EmbeddedMetadata(List.of());
            // With Redis, replay protection is shared by every node (and fails closed while Redis is down).
            services = new Services(new UpstreamClient(transport, ioThreads), metadata,
                    redis == null ? new LocalReplayStore(REPLAY_STORE_SIZE) : new RedisReplayStore(redis),
                    metrics == null ? null : metrics.meters(), Clock.systemUTC(), group, ioThreads, redis);
            if (redis != null && settings.metadata().source() == MetadataConfig.Source.REDIS) {
                appRecords = new AppRecords(redis);
                appChanges = AppChanges.start(redis, services.metadata(), registry);
            }
            ConfigLoader loader = new ConfigLoader(env, Filters.inOrder(services, registry));
            ConfigCompiler compiler = new ConfigCompiler(services);
            GatewayConfig config;
            Snapshot snapshot;
            try {
                config = loader.load(configFile);
                snapshot = compiler.compile(config);
            } catch (ConfigException e) {
                if (metrics != null) {
                    metrics.configLoaded(false);
                }
                throw e;
            }
            services.metadata().configLoaded(config.apps());
            services.metadata().settings(config.metadata());
            current = new CurrentConfig(snapshot);
            services.health().apply(snapshot.upstreams().values(), new HealthChecks(services.upstreams(), group));
            accessLog = AccessLog.create(config.accessLog());
            RequestMetrics unrouted = metrics == null ? RequestMetrics.NOOP : new RequestMetrics(
                    metrics.meters().requests(), "-", new String[] {RequestMetrics.DEFAULT_VARIANT});
            state = new ProxyState(current, accessLog, unrouted,
                    new DefaultChannelGroup("proxy-connections", GlobalEventExecutor.INSTANCE));
            reloader = new ConfigReloader(configFile, config, loader, compiler, current, services, reloadHooks());
            TlsContexts tlsContexts = null;
            if (config.server().tls() != null) {
                // Off the loops, before any bind: a certificate problem stops the start as a config error does.
                tlsContexts = TlsContexts.build(config.server().tls(), Alpn.advertised(config.server()),
                        Clock.systemUTC());
                tlsMetrics = new TlsMetrics(registry, Clock.systemUTC());
                tlsMetrics.bindCertificates(tlsContexts);
                logger.info("TLS provider: {}", TlsProvider.description());
            }
            if (metrics != null) {
                LoopDelayProbe.start(group, metrics.meters().loopDelay().series());
                metrics.bindProxy(state, floods);
                metrics.bindPools(snapshot);
                metrics.configLoaded(true);
            }
            bindListeners(config, tlsContexts);
            // After the binds, as nginx does: a pid file names a process that serves.
            pidFile = PidFile.write(config.server().pidFile());
            reloader.startWatching();
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            shutdown();
            throw e;
        }
        ready = true;
        Snapshot snapshot = current.get();
        logger.info("gateway started: proxy on {} ({} transport, {} io threads), {} routes, {} upstreams, config "
                + "version {}{}{}{}", proxyChannel.localAddress(), transport.name(), ioThreads,
                snapshot.routes().routes().size(), snapshot.upstreams().size(), snapshot.version(),
                tlsChannel == null ? "" : ", TLS on " + tlsChannel.localAddress(),
                adminChannel == null ? "" : ", admin on " + adminChannel.localAddress(),
                echoChannel == null ? "" : ", demo echo on " + echoChannel.localAddress());
        return this;
    }

    /**
     * Loads and compiles the whole configuration as a start would (host names resolved, filters built), with
     * services that serve nothing; binds nothing. Used by {@code --check}.
     */
    public static Snapshot check(Path configFile, Function<String, String> env) throws ConfigException {
        Services services = new Services(new UpstreamClient(Transport.nio(), 1), new EmbeddedMetadata(List.of()),
                new LocalReplayStore(1), null, Clock.systemUTC(), null, 1);
        GatewayConfig config = new ConfigLoader(env, Filters.inOrder(services, null)).load(configFile);
        if (config.server().tls() != null) {
            TlsContexts.build(config.server().tls(), Alpn.advertised(config.server()), Clock.systemUTC());
        }
        if (config.redis() == null) {
            return new ConfigCompiler(services).compile(config);
        }
        // What uses Redis (cluster limits) is built against a Redis service that never connects.
        try (RedisService offline = RedisService.offline(config.redis())) {
            Services withRedis = new Services(services.upstreams(), services.metadata(), services.replays(),
                    null, Clock.systemUTC(), null, 1, offline);
            config = new ConfigLoader(env, Filters.inOrder(withRedis, null)).load(configFile);
            return new ConfigCompiler(withRedis).compile(config);
        }
    }

    private void bindListeners(GatewayConfig config, TlsContexts tlsContexts) throws InterruptedException {
        if (config.demoEcho().enabled()) {
            echoChannel = bind("demo echo", "demo-echo.listen", group, config.demoEcho().listen(),
                    new EchoInitializer());
        }
        Http1Initializer http1 = new Http1Initializer(state);
        proxyChannel = bind("proxy", "server.listen", group, config.server().listen(),
                new H2cInitializer(http1, state, floods));
        if (tlsContexts != null) {
            tls = new TlsListener(tlsContexts, tlsMetrics, http1, state, floods);
            tlsChannel = bind("TLS", "server.tls.listen", group, config.server().tls().listen(), tls);
        }
        if (config.admin().enabled()) {
            AdminHandler admin = new AdminHandler(() -> ready, metrics == null ? null : metrics.registry(), reloader,
                    redis, appRecords, services.metadata());
            adminChannel = bind("admin", "admin.listen", adminGroup, config.admin().listen(),
                    new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192))
                                    .addLast(new HttpObjectAggregator(64 * 1024)) // an app with many routes
                                    .addLast(admin);
                        }
                    });
        }
    }

    /** Binds one listener; a failure is a {@link ListenException} whose message is the one line to print. */
    private Channel bind(String name, String key, EventLoopGroup loops, HostPort at, ChannelHandler initializer)
            throws InterruptedException {
        ServerBootstrap b = new ServerBootstrap()
                .group(loops)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, Allocators.allocator())
                .childOption(ChannelOption.ALLOCATOR, Allocators.allocator())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(initializer);
        ChannelFuture bound = b.bind(at.host(), at.port()).await();
        if (bound.isSuccess()) {
            return bound.channel();
        }
        throw ListenException.of(name, key, at, bound.cause());
    }

    /** The gateway cannot start for a reason outside its configuration; the message is the one line to print. */
    public static class StartException extends RuntimeException {
        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A listener could not be bound (port in use, bad address); the message is one line that says what to do. */
    public static final class ListenException extends StartException {
        private ListenException(String message, Throwable cause) {
            super(message, cause);
        }

        static ListenException of(String name, String key, HostPort at, Throwable cause) {
            // NIO throws BindException("Address already in use"), epoll an IOException("bind(..) failed with
            // error(-98): Address already in use"): the same words for both.
            String reason = cause.getMessage() == null ? cause.getClass().getSimpleName()
                    : cause.getMessage().replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "");
            String fix;
            if (reason.toLowerCase(Locale.ROOT).contains("already in use")) {
                fix = "another process listens there (find it with: ss -ltnp 'sport = :" + at.port()
                        + "'); stop it or set " + key + " to a free port";
            } else if (reason.toLowerCase(Locale.ROOT).contains("permission denied")) {
                fix = "ports below 1024 need privileges; set " + key + " to a port above 1023";
            } else if (reason.toLowerCase(Locale.ROOT).contains("assign requested address")) {
                fix = "no interface of this host has that address; set " + key + " to one it has, or 0.0.0.0";
            } else {
                fix = "check " + key;
            }
            return new ListenException(
                    "cannot start: the " + name + " listener cannot bind " + at + ": " + reason + "; " + fix, cause);
        }
    }

    public boolean isReady() {
        return ready;
    }

    public int port() {
        return ((InetSocketAddress) proxyChannel.localAddress()).getPort();
    }

    /** The TLS listener's port, or -1 without one. */
    public int tlsPort() {
        return tlsChannel == null ? -1 : ((InetSocketAddress) tlsChannel.localAddress()).getPort();
    }

    public int adminPort() {
        return adminChannel == null ? -1 : ((InetSocketAddress) adminChannel.localAddress()).getPort();
    }

    public int echoPort() {
        return echoChannel == null ? -1 : ((InetSocketAddress) echoChannel.localAddress()).getPort();
    }

    public UpstreamClient upstreamClient() {
        return services.upstreams();
    }

    public ProxyState state() {
        return state;
    }

    /** The configuration in force. */
    public CurrentConfig config() {
        return current;
    }

    public ConfigReloader reloader() {
        return reloader;
    }

    /**
     * Graceful shutdown. Readiness turns 503 and every response from now on carries {@code Connection: close}; the
     * proxy listener keeps accepting for {@code delay}, so load balancers see the 503 and stop sending before the
     * port closes. Then the listener closes, idle connections close, and in-flight requests finish until
     * {@code timeout}; then everything stops. Returns true if every request finished in time. Blocks the caller
     * (the signal thread), never an event loop.
     */
    public boolean drain(Duration delay, Duration timeout) throws InterruptedException {
        if (state == null) {
            close();
            return true;
        }
        ready = false;
        state.startDraining();
        if (delay.toNanos() > 0) {
            logger.info("draining: readiness 503, still accepting for {} (drain-delay) so load balancers notice",
                    delay);
            TimeUnit.NANOSECONDS.sleep(delay.toNanos());
        }
        logger.info("draining: {} connections, {} requests in flight, timeout {}", state.connectionCount().get(),
                state.activeRequests().get(), timeout);
        if (proxyChannel != null) {
            proxyChannel.close().sync();
        }
        if (tlsChannel != null) {
            tlsChannel.close().sync();
        }
        for (Channel ch : state.connections()) {
            Http1Initializer.drain(ch);
            Http2ClientConnection.drain(ch);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = true;
        while (state.connectionCount().get() > 0 || state.activeRequests().get() > 0) {
            if (System.nanoTime() >= deadline) {
                clean = false;
                logger.warn("drain timeout: closing {} connections with {} requests in flight",
                        state.connectionCount().get(), state.activeRequests().get());
                break;
            }
            // Re-ask: connections that were mid-request when asked become idle and close by themselves.
            TimeUnit.MILLISECONDS.sleep(10);
        }
        close();
        return clean;
    }

    @Override
    public void close() {
        ready = false;
        if (state != null) {
            state.connections().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (Channel ch : new Channel[] {proxyChannel, tlsChannel, adminChannel, echoChannel}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        shutdown();
        if (pidFile != null) {
            pidFile.remove();
        }
        terminated.countDown();
    }

    private void shutdown() {
        if (reloader != null) {
            reloader.close();
        }
        if (services != null) {
            services.health().stopAll();
        }
        for (EventLoopGroup g : new EventLoopGroup[] {group, adminGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        if (appChanges != null) {
            appChanges.close();
        }
        if (metadata instanceof RedisMetadata m) {
            m.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (accessLog != null) {
            accessLog.close();
        }
    }

    /** The metrics registry, or null when metrics are off. */
    /** The access log and the metrics follow each reload. */
    private ReloadHooks reloadHooks() {
        AccessLog log = accessLog;
        GatewayMetrics m = metrics;
        return new ReloadHooks() {
            @Override
            public void prepare(Snapshot next) throws ConfigException {
                // The listener keeps the certificates it has when a reload drops the section (restart needed).
                TlsConfig t = next.config().server().tls();
                preparedTls = t == null || tls == null ? null
                        : TlsContexts.build(t, Alpn.advertised(next.config().server()), Clock.systemUTC());
            }

            @Override
            public void swapping(Snapshot next) {
                log.apply(next.config().accessLog());
                TlsContexts t = preparedTls;
                if (t != null) {
                    preparedTls = null;
                    tls.swap(t);
                    tlsMetrics.bindCertificates(t);
                }
            }

            @Override
            public void applied(Snapshot next) {
                if (m != null) {
                    m.bindPools(next);
                    m.configLoaded(true);
                }
            }

            @Override
            public void rejected() {
                if (m != null) {
                    m.configLoaded(false);
                }
            }
        };
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }
}
