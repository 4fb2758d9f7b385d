package dev.gateway.server;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.HostPort;
import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.internal.ConfigCompiler;
import dev.gateway.core.upstream.Transport;
import dev.gateway.core.upstream.UpstreamClient;
import dev.gateway.server.admin.AdminHandler;
import dev.gateway.server.demo.EchoInitializer;
import dev.gateway.server.netty.AccessLog;
import dev.gateway.server.netty.LoopDelayProbe;
import dev.gateway.server.netty.ProxyInitializer;
import dev.gateway.server.netty.ProxyState;
import io.netty.bootstrap.ServerBootstrap;
import dev.gateway.core.upstream.Allocators;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: its event loops, the proxy listener, the admin listener, the optional demo echo listener
 * and the upstream client. {@link #start()} binds everything; {@link #drain(Duration)} shuts down gracefully.
 */
public final class GatewayServer implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final Transport transport;
    private final int ioThreads;
    private EventLoopGroup group;
    /** The admin listener's own loop: a scrape never waits behind proxy traffic, nor delays it. */
    private EventLoopGroup adminGroup;
    private GatewayMetrics metrics;
    private UpstreamClient client;
    private ProxyState state;
    private Channel proxyChannel;
    private Channel adminChannel;
    private Channel echoChannel;
    private volatile boolean ready;
    private final CountDownLatch terminated = new CountDownLatch(1);

    public GatewayServer(GatewayConfig config) {
        this.config = config;
        ServerConfig s = config.server();
        this.transport = switch (s.transport()) {
            case NIO -> Transport.nio();
            case EPOLL -> Transport.epoll();
            default -> Transport.best();
        };
        this.ioThreads = s.ioThreads() > 0 ? s.ioThreads() : Runtime.getRuntime().availableProcessors();
    }

    /** Compiles the configuration and binds the listeners. On failure everything started is stopped again. */
    public GatewayServer start() throws ConfigException, InterruptedException {
        group = transport.newGroup(ioThreads, "gateway-io");
        adminGroup = transport.newGroup(1, "gateway-admin");
        try {
            metrics = config.metrics().enabled() ? new GatewayMetrics() : null;
            client = new UpstreamClient(transport);
            ConfigCompiler.Compiled compiled;
            try {
                compiled = new ConfigCompiler(client::nextTargetId, ioThreads,
                        metrics == null ? null : metrics.meters()).compile(config);
            } catch (ConfigException e) {
                if (metrics != null) {
                    metrics.configLoaded(false);
                }
                throw e;
            }
            ChannelGroup connections = new DefaultChannelGroup("proxy-connections", GlobalEventExecutor.INSTANCE);
            state = new ProxyState(compiled, client, AccessLog.create(config.accessLog()), connections,
                    config.tracing(), metrics == null ? null : metrics.meters());
            if (metrics != null) {
                LoopDelayProbe.start(group, metrics.meters().loopDelay().series());
                metrics.bindProxy(state);
                metrics.bindPools(client, compiled);
                metrics.configLoaded(true);
            }

            if (config.demoEcho().enabled()) {
                echoChannel = bind("demo-echo", group, config.demoEcho().listen(), new EchoInitializer());
            }
            proxyChannel = bind("proxy", group, config.server().listen(), new ProxyInitializer(state));
            if (config.admin().enabled()) {
                AdminHandler admin = new AdminHandler(() -> ready, metrics == null ? null : metrics.registry());
                adminChannel = bind("admin", adminGroup, config.admin().listen(),
                        new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192))
                                        .addLast(new HttpObjectAggregator(8192))
                                        .addLast(admin);
                            }
                        });
            }
        } catch (ConfigException | InterruptedException | RuntimeException e) {
            shutdownGroup();
            throw e;
        }
        ready = true;
        logger.info("gateway started: proxy on {} ({} transport, {} io threads), {} routes, {} upstreams{}{}",
                proxyChannel.localAddress(), transport.name(), ioThreads,
                state.compiled().routes().routes().size(), state.compiled().upstreams().size(),
                adminChannel == null ? "" : ", admin on " + adminChannel.localAddress(),
                echoChannel == null ? "" : ", demo echo on " + echoChannel.localAddress());
        return this;
    }

    private Channel bind(String name, EventLoopGroup loops, HostPort at, ChannelHandler initializer)
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
        try {
            return b.bind(at.host(), at.port()).sync().channel();
        } catch (RuntimeException e) {
            throw new ListenException(name + " listener cannot bind " + at + ": " + e.getMessage(), e);
        }
    }

    /** The listener could not be bound (port in use, bad address). */
    public static final class ListenException extends RuntimeException {
        ListenException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public boolean isReady() {
        return ready;
    }

    public int port() {
        return ((InetSocketAddress) proxyChannel.localAddress()).getPort();
    }

    public int adminPort() {
        return adminChannel == null ? -1 : ((InetSocketAddress) adminChannel.localAddress()).getPort();
    }

    public int echoPort() {
        return echoChannel == null ? -1 : ((InetSocketAddress) echoChannel.localAddress()).getPort();
    }

    public UpstreamClient upstreamClient() {
        return client;
    }

    public ProxyState state() {
        return state;
    }

    /**
     * Graceful shutdown: readiness turns 503, the proxy listener stops accepting, idle connections close, in-flight
     * requests finish (their responses carry Connection: close) until {@code timeout}; then everything stops.
     * Returns true if every request finished in time.
     */
    public boolean drain(Duration timeout) throws InterruptedException {
        if (state == null) {
            close();
            return true;
        }
        ready = false;
        state.startDraining();
        logger.info("draining: {} connections, {} requests in flight, timeout {}", state.connectionCount().get(),
                state.activeRequests().get(), timeout);
        if (proxyChannel != null) {
            proxyChannel.close().sync();
        }
        for (Channel ch : state.connections()) {
            ProxyInitializer.drain(ch);
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
        for (Channel ch : new Channel[] {proxyChannel, adminChannel, echoChannel}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        shutdownGroup();
        terminated.countDown();
    }

    private void shutdownGroup() {
        for (EventLoopGroup g : new EventLoopGroup[] {group, adminGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        if (metrics != null) {
            metrics.close();
        }
        if (state != null) {
            state.accessLog().close();
        }
    }

    /** The metrics registry, or null when metrics are off. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** Blocks until {@link #close()} has run. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }
}
