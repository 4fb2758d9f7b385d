package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The non-blocking HTTP client (HTTP/1.1, and HTTP/2 where an upstream asks for it; TLS to https targets), a service that outlives configurations. It keeps one {@link Endpoint} per backend
 * address, shared by every configuration that names the address, and each event loop has its own pool per endpoint,
 * so a request is forwarded on the loop that accepted it with no cross-thread hand-off and a reload keeps warm
 * connections. It also keeps each upstream group's balancer position by group name.
 */
public final class UpstreamClient {
    private final Bootstrap template;
    private final int loops;
    private final AtomicInteger nextLoopIndex = new AtomicInteger();
    /** The calling event loop's index into every endpoint's pool array, assigned on first use. */
    private final FastThreadLocal<Integer> loopIndex = new FastThreadLocal<>() {
        @Override
        protected Integer initialValue() {
            return nextLoopIndex.getAndIncrement();
        }
    };
    private final ConcurrentHashMap<Endpoint.Key, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> positions = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<ConnectionPool> allPools = new ConcurrentLinkedQueue<>();

    /** @param loops the number of event loops that will forward requests (each gets its own pools) */
    public UpstreamClient(Transport transport, int loops) {
        this.loops = Math.max(1, loops);
        this.template = new Bootstrap()
                .channel(transport.socketChannel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.ALLOCATOR, Allocators.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    }

    /** The endpoint for {@code key}: the existing one if a configuration already names it, else a new one. */
    public Endpoint endpoint(Endpoint.Key key) {
        return endpoint(key, null);
    }

    /**
     * The endpoint for {@code key} with the TLS context {@code tls} (built for this key's settings; null for
     * cleartext): the existing one if a configuration already names it (it keeps its own context and session cache),
     * else a new one.
     */
    public Endpoint endpoint(Endpoint.Key key, UpstreamTls tls) {
        Endpoint e = endpoints.get(key);
        return e != null ? e : endpoints.computeIfAbsent(key, k -> new Endpoint(k, loops, tls));
    }

    /** The round-robin position of the upstream group {@code name}, kept across configurations. */
    public AtomicLong position(String name) {
        AtomicLong p = positions.get(name);
        return p != null ? p : positions.computeIfAbsent(name, n -> new AtomicLong());
    }

    /**
     * After a configuration took effect: every endpoint it does not name is retired (its idle connections close now,
     * busy ones after their request) and forgotten, and so are the positions of groups it does not have.
     */
    public void retainOnly(Collection<Endpoint> live, Collection<String> liveGroups) {
        Set<Endpoint> keep = new HashSet<>(live);
        for (Map.Entry<Endpoint.Key, Endpoint> e : endpoints.entrySet()) {
            Endpoint endpoint = e.getValue();
            if (!keep.contains(endpoint) && endpoints.remove(e.getKey(), endpoint)) {
                endpoint.retire();
                endpoint.forEachPool(p -> p.loop().execute(p::closeIdle));
            }
        }
        positions.keySet().retainAll(Set.copyOf(liveGroups));
    }

    /** The calling loop's pool for {@code endpoint}. Must be called on {@code loop}. */
    public ConnectionPool pool(EventLoop loop, Endpoint endpoint, UpstreamGroup.PoolSettings settings) {
        int index = loopIndex.get();
        ConnectionPool p = endpoint.pool(index);
        if (p == null) {
            p = new ConnectionPool(this, loop, endpoint, settings, template);
            p.bootstrap().handler(endpoint.protocol().isH2() ? H2Connection.initializer(p) : initializer(p));
            endpoint.pool(index, p);
            allPools.add(p);
        }
        return p;
    }

    void forget(ConnectionPool p) {
        allPools.remove(p);
    }

    private static ChannelHandler initializer(ConnectionPool pool) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                UpstreamTls tls = pool.endpoint().tls();
                if (tls != null) {
                    ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), pool.endpoint().key(),
                            pool.connectTimeoutMillis()));
                }
                ch.pipeline().addLast("encoder", new HttpRequestEncoder());
                ch.pipeline().addLast("upstream", new UpstreamConnection(pool));
            }
        };
    }

    /** Every live pool of every loop, for metrics and tests. Values are snapshots read across threads. */
    public List<ConnectionPool> pools() {
        return List.copyOf(allPools);
    }

    /** The endpoints configurations name now. */
    public Collection<Endpoint> endpoints() {
        return List.copyOf(endpoints.values());
    }
}
