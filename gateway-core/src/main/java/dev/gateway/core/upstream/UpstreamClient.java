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
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The non-blocking HTTP/1.1 client. Each event loop has its own pool per target (found through a
 * {@link FastThreadLocal} array indexed by {@link Target#id()}), so a request is forwarded on the loop that accepted
 * it with no cross-thread hand-off.
 */
public final class UpstreamClient {
    /** Response heads larger than this from an upstream are a protocol error (502). */

    private final Bootstrap template;
    private final AtomicInteger targetIds = new AtomicInteger();
    private final ConcurrentLinkedQueue<ConnectionPool> allPools = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<ConnectionPool[]> pools = new FastThreadLocal<>() {
        @Override
        protected ConnectionPool[] initialValue() {
            return new ConnectionPool[16];
        }
    };

    public UpstreamClient(Transport transport) {
        this.template = new Bootstrap()
                .channel(transport.socketChannel())
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.ALLOCATOR, Allocators.allocator())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000);
    }

    /** A fresh id for a new {@link Target}. */
    public int nextTargetId() {
        return targetIds.getAndIncrement();
    }

    /** The calling loop's pool for {@code target}. Must be called on {@code loop}. */
    public ConnectionPool pool(EventLoop loop, Target target, UpstreamGroup.PoolSettings settings) {
        ConnectionPool[] arr = pools.get();
        int id = target.id();
        if (id >= arr.length) {
            ConnectionPool[] bigger = new ConnectionPool[Math.max(id + 1, arr.length * 2)];
            System.arraycopy(arr, 0, bigger, 0, arr.length);
            arr = bigger;
            pools.set(arr);
        }
        ConnectionPool p = arr[id];
        if (p == null) {
            p = newPool(loop, target, settings);
            arr[id] = p;
        }
        return p;
    }

    private ConnectionPool newPool(EventLoop loop, Target target, UpstreamGroup.PoolSettings settings) {
        Bootstrap b = template.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        settings.connectTimeoutMillis()));
        ConnectionPool[] holder = new ConnectionPool[1];
        b.handler(initializer(holder));
        ConnectionPool p = new ConnectionPool(loop, target, settings, b);
        holder[0] = p;
        allPools.add(p);
        return p;
    }

    private static ChannelHandler initializer(ConnectionPool[] holder) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast("encoder", new HttpRequestEncoder());
                ch.pipeline().addLast("upstream", new UpstreamConnection(holder[0]));
            }
        };
    }

    /** Every pool of every loop, for metrics and tests. Values are snapshots read across threads. */
    public List<ConnectionPool> pools() {
        return List.copyOf(allPools);
    }

}
