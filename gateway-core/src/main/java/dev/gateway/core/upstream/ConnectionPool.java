package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections from one event loop to one target. Owned by that loop: every method runs on it, so the
 * pool needs no locks. Idle connections are reused most-recently-used first (they are the warmest and the least
 * likely to have been closed by the upstream) and evicted after the idle timeout.
 */
public final class ConnectionPool {
    private final EventLoop loop;
    private final Target target;
    private final UpstreamGroup.PoolSettings settings;
    private final Bootstrap bootstrap;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<UpstreamListener> waiters = new ArrayDeque<>();
    private int open;
    private boolean sweepScheduled;

    ConnectionPool(EventLoop loop, Target target, UpstreamGroup.PoolSettings settings, Bootstrap template) {
        this.loop = loop;
        this.target = target;
        this.settings = settings;
        this.bootstrap = template.clone(loop);
    }

    public Target target() {
        return target;
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

    /** Finds or opens a connection for {@code l}; the answer comes through {@code l}, maybe synchronously. */
    public void acquire(UpstreamListener l) {
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
        ChannelFuture f = bootstrap.connect(target.address());
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
            }
        });
    }

    void release(UpstreamConnection c, boolean reusable) {
        Channel ch = c.channel();
        if (!reusable || !ch.isActive()) {
            ch.close();
            return;
        }
        UpstreamListener waiter = waiters.pollFirst();
        if (waiter != null) {
            // Hand over on a fresh stack: the releasing exchange is still unwinding.
            loop.execute(() -> {
                if (ch.isActive()) {
                    c.bind(waiter);
                    waiter.onConnected(c, true);
                } else {
                    acquire(waiter);
                }
            });
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
