package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections from one event loop to one {@link Endpoint}. Owned by that loop: every method runs on it, so
 * the pool needs no locks. Idle connections are reused most-recently-used first (they are the warmest and the least
 * likely to have been closed by the upstream) and evicted after the idle timeout. The pool outlives configurations:
 * the settings of the latest one that used it apply; once its endpoint is retired, connections close instead of
 * going back to the pool.
 */
public final class ConnectionPool {
    private final EventLoop loop;
    private final Endpoint endpoint;
    private final UpstreamClient client;
    private final Bootstrap bootstrap;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<UpstreamListener> waiters = new ArrayDeque<>();
    private UpstreamGroup.PoolSettings settings;
    private int open;
    private boolean sweepScheduled;

    ConnectionPool(UpstreamClient client, EventLoop loop, Endpoint endpoint, UpstreamGroup.PoolSettings settings,
            Bootstrap template) {
        this.client = client;
        this.loop = loop;
        this.endpoint = endpoint;
        this.settings = settings;
        this.bootstrap = template.clone(loop).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeout(settings));
    }

    private static int connectTimeout(UpstreamGroup.PoolSettings s) {
        return (int) Math.min(Integer.MAX_VALUE, s.connectTimeoutMillis());
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Open connections (idle, busy or connecting). Read from any thread for metrics: a snapshot. */
    public int open() {
        return open;
    }

    public int idle() {
        return idle.size();
    }

    public int pending() {
        return waiters.size();
    }

    /**
     * Finds or opens a connection for {@code l} under {@code settings} (those of the configuration the request
     * runs on); the answer comes through {@code l}, maybe synchronously.
     */
    public void acquire(UpstreamListener l, UpstreamGroup.PoolSettings settings) {
        if (settings != this.settings) {
            if (settings.connectTimeoutMillis() != this.settings.connectTimeoutMillis()) {
                bootstrap.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeout(settings));
            }
            this.settings = settings;
        }
        UpstreamConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.channel().isActive()) {
                c.bind(l);
                l.onConnected(c, true);
                return;
            }
        }
        if (open < settings.maxConnectionsPerLoop()) {
            connect(l);
        } else if (waiters.size() < settings.maxPendingPerLoop()) {
            waiters.addLast(l);
        } else {
            l.onConnectFailed(UpstreamListener.ConnectFailure.OVERLOADED, null);
        }
    }

    /** Withdraws a pending {@link #acquire}; true if it was still waiting. */
    public boolean cancel(UpstreamListener l) {
        return waiters.remove(l);
    }

    private void connect(UpstreamListener l) {
        open++;
        ChannelFuture f = bootstrap.connect(endpoint.address());
        f.addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                UpstreamConnection c = future.channel().pipeline().get(UpstreamConnection.class);
                c.bind(l);
                l.onConnected(c, false);
            } else {
                // The channel never became active, so onClosed is not called for it.
                open--;
                Throwable cause = future.cause();
                l.onConnectFailed(cause instanceof ConnectTimeoutException
                        ? UpstreamListener.ConnectFailure.TIMEOUT
                        : UpstreamListener.ConnectFailure.REFUSED, cause);
                serveWaiter();
                forgetIfDone();
            }
        });
    }

    void release(UpstreamConnection c, boolean reusable) {
        Channel ch = c.channel();
        UpstreamListener waiter = reusable && ch.isActive() ? waiters.pollFirst() : null;
        if (waiter != null) {
            // Hand over on a fresh stack: the releasing exchange is still unwinding. A request that is already
            // waiting is served even when the endpoint was retired since: it started on a configuration naming it.
            loop.execute(() -> {
                if (ch.isActive()) {
                    c.bind(waiter);
                    waiter.onConnected(c, true);
                } else {
                    acquire(waiter, settings);
                }
            });
            return;
        }
        if (!reusable || !ch.isActive() || endpoint.isRetired()) {
            ch.close();
            return;
        }
        c.idleSinceNanos = System.nanoTime();
        idle.addLast(c);
        if (!sweepScheduled) {
            sweepScheduled = true;
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), settings.idleTimeoutNanos() / 2);
            loop.schedule(this::sweep, period, TimeUnit.NANOSECONDS);
        }
    }

    void onClosed(UpstreamConnection c) {
        open--;
        idle.remove(c);
        serveWaiter();
        forgetIfDone();
    }

    /** {@code c} switched protocols (a WebSocket): it leaves the pool for good and no longer counts as open. */
    void detach(UpstreamConnection c) {
        open--;
        idle.remove(c);
        serveWaiter();
        forgetIfDone();
    }

    /** The endpoint was retired: close the idle connections now; busy ones close when their request is done. */
    void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.channel().close();
        }
        forgetIfDone();
    }

    private void forgetIfDone() {
        if (endpoint.isRetired() && open == 0 && waiters.isEmpty()) {
            client.forget(this);
        }
    }

    private void serveWaiter() {
        if (!waiters.isEmpty() && open < settings.maxConnectionsPerLoop()) {
            connect(waiters.pollFirst());
        }
    }

    private void sweep() {
        sweepScheduled = false;
        long now = System.nanoTime();
        UpstreamConnection c;
        while ((c = idle.peekFirst()) != null && now - c.idleSinceNanos >= settings.idleTimeoutNanos()) {
            idle.pollFirst();
            c.channel().close();
        }
        if (!idle.isEmpty()) {
            sweepScheduled = true;
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(100), settings.idleTimeoutNanos() / 2);
            loop.schedule(this::sweep, period, TimeUnit.NANOSECONDS);
        }
    }
}
