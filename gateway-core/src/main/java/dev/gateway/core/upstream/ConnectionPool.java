package dev.gateway.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections from one event loop to one {@link Endpoint}. Owned by that loop: every method runs on it, so
 * the pool needs no locks. Idle connections are reused most-recently-used first (they are the warmest and the least
 * likely to have been closed by the upstream) and evicted after the idle timeout. The pool outlives configurations:
 * the settings of the latest one that used it apply; once its endpoint is retired, connections close instead of
 * going back to the pool.
 *
 * <p>To an HTTP/2 endpoint ({@code protocol: h2 | h2c}) the pool keeps few connections, each carrying many streams: a
 * request gets a new stream on the connection with the most room under the peer's SETTINGS_MAX_CONCURRENT_STREAMS,
 * and opens another connection (up to max-connections-per-target) only when none has room; a connection that
 * received GOAWAY takes no new streams and closes once its last one ends.
 *
 * <p>To an https endpoint the TLS handshake (and for h2 the ALPN agreement) completes before a connection is handed
 * out; its failure is {@link UpstreamListener.ConnectFailure#TLS}, never a silent fallback to cleartext.
 */
public final class ConnectionPool {
    private final EventLoop loop;
    private final Endpoint endpoint;
    private final UpstreamClient client;
    private final Bootstrap bootstrap;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<UpstreamListener> waiters = new ArrayDeque<>();
    /** HTTP/2 endpoints: the connections (connecting, ready or going away). */
    private final List<H2Connection> h2 = new ArrayList<>(2);
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

    /** The connect timeout in force, also the bound of a TLS handshake. */
    long connectTimeoutMillis() {
        return settings.connectTimeoutMillis();
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
        if (!h2.isEmpty()) {
            int n = 0;
            for (H2Connection c : h2) {
                n += c.isIdle() ? 1 : 0;
            }
            return n;
        }
        return idle.size();
    }

    /** HTTP/2 endpoints: streams in flight on this pool's connections (a snapshot). */
    public int streams() {
        int n = 0;
        for (H2Connection c : List.copyOf(h2)) {
            n += c.activeStreams();
        }
        return n;
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
        if (endpoint.protocol().isH2()) {
            acquireStream(l);
            return;
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

    // ----- HTTP/2

    /** Streams a connection is assumed to take before its peer's SETTINGS say how many. */
    static final int ASSUMED_STREAMS = 100;

    /**
     * A stream on the connection with the most room; without room, the request waits for a connection being set up
     * (opening one if none will take it and the limit allows), or for a stream to end, up to max-pending-requests.
     */
    private void acquireStream(UpstreamListener l) {
        if (waiters.isEmpty()) {
            H2Connection best = roomiest();
            if (best != null) {
                best.openStream(l);
                return;
            }
        }
        if (open >= settings.maxConnectionsPerLoop()
                && waiters.size() >= connectingRoom() + settings.maxPendingPerLoop()) {
            l.onConnectFailed(UpstreamListener.ConnectFailure.OVERLOADED, null);
            return;
        }
        waiters.addLast(l);
        serveStreams();
    }

    /** The ready connection with the most free streams, or null when none has room. */
    private H2Connection roomiest() {
        H2Connection best = null;
        int bestRoom = 0;
        for (int i = 0; i < h2.size(); i++) {
            H2Connection c = h2.get(i);
            int room = c.room();
            if (room > bestRoom) {
                best = c;
                bestRoom = room;
            }
        }
        return best;
    }

    private int connectingRoom() {
        int n = 0;
        for (int i = 0; i < h2.size(); i++) {
            if (h2.get(i).isConnecting()) {
                n += ASSUMED_STREAMS;
            }
        }
        return n;
    }

    private void connectH2() {
        open++;
        ChannelFuture f = bootstrap.connect(endpoint.address());
        H2Connection c = f.channel().pipeline().get(H2Connection.class);
        h2.add(c);
        f.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                // The channel never became active, so no close is reported for it.
                open--;
                h2.remove(c);
                Throwable cause = future.cause();
                h2Failed(cause instanceof ConnectTimeoutException
                        ? UpstreamListener.ConnectFailure.TIMEOUT : UpstreamListener.ConnectFailure.REFUSED, cause);
            }
        });
    }

    /** A connection could not be set up: when no other is open or coming, the requests waiting for one fail. */
    void h2Failed(UpstreamListener.ConnectFailure failure, Throwable cause) {
        if (open == 0) {
            UpstreamListener w;
            while ((w = waiters.pollFirst()) != null) {
                w.onConnectFailed(failure, cause);
            }
        } else {
            serveStreams();
        }
        forgetIfDone();
    }

    /** A connection is ready, a stream ended or a limit changed: hand streams to the requests waiting. */
    void serveStreams() {
        UpstreamListener w;
        H2Connection c;
        while ((w = waiters.peekFirst()) != null && (c = roomiest()) != null) {
            waiters.pollFirst();
            c.openStream(w);
        }
        if (!waiters.isEmpty() && waiters.size() > connectingRoom() && open < settings.maxConnectionsPerLoop()) {
            connectH2();
        }
    }

    /** {@code c} closed; {@code failure}: it closed while being set up (the handshake failed, no SETTINGS came). */
    void h2Closed(H2Connection c, UpstreamListener.ConnectFailure failure, Throwable cause) {
        open--;
        h2.remove(c);
        if (failure != null) {
            h2Failed(failure, cause);
        } else if (waiters.isEmpty()) {
            forgetIfDone();
        } else if (open == 0) {
            connectH2(); // the requests waiting for the closed connection get a new one
        } else {
            serveStreams();
        }
    }

    boolean isRetired() {
        return endpoint.isRetired();
    }

    UpstreamGroup.PoolSettings settings() {
        return settings;
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
                SslHandler tls = future.channel().pipeline().get(SslHandler.class);
                if (tls == null) {
                    connected(future.channel(), l);
                    return;
                }
                tls.handshakeFuture().addListener(h -> {
                    if (h.isSuccess()) {
                        connected(future.channel(), l);
                    } else {
                        // The channel closes and onClosed counts it out; the request hears of the TLS failure.
                        l.onConnectFailed(UpstreamListener.ConnectFailure.TLS, h.cause());
                        future.channel().close();
                    }
                });
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

    private void connected(Channel ch, UpstreamListener l) {
        UpstreamConnection c = ch.pipeline().get(UpstreamConnection.class);
        if (c == null || !ch.isActive()) {
            l.onConnectFailed(UpstreamListener.ConnectFailure.REFUSED, null);
            return;
        }
        c.bind(l);
        l.onConnected(c, false);
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
        for (H2Connection h : List.copyOf(h2)) {
            h.closeIfIdle();
        }
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            c.channel().close();
        }
        forgetIfDone();
    }

    void forgetIfDone() {
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
