package dev.gateway.core.upstream;

import dev.gateway.core.config.HealthCheckConfig;
import dev.gateway.core.health.TargetHealth;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The active checks of one target: every {@code interval}, {@code GET path} on a connection from the pool of the
 * check's event loop, which must answer with an expected status within {@code timeout}; the verdict goes to the
 * {@link TargetHealth}. One check at a time; everything runs on the check's loop, timers included.
 */
final class HealthCheck implements UpstreamListener {
    private static final String USER_AGENT = "gateway-health-check";

    private final TargetHealth health;
    private final HealthCheckConfig config;
    private final UpstreamClient client;
    private final EventLoop loop;
    private volatile Target target;
    private volatile UpstreamGroup group;
    private volatile boolean stopped;
    // Confined to the loop:
    private boolean inFlight;
    private ConnectionPool pool;
    private UpstreamStream connection;
    private int status;
    private boolean keepAlive;
    private ScheduledFuture<?> timeout;

    HealthCheck(TargetHealth health, Target target, UpstreamGroup group, UpstreamClient client, EventLoop loop) {
        this.health = health;
        this.config = health.settings().healthCheck();
        this.target = target;
        this.group = group;
        this.client = client;
        this.loop = loop;
    }

    void start() {
        // The first check soon, spread over the interval so many targets do not check in step.
        long first = (long) (config.interval().toNanos() * java.util.concurrent.ThreadLocalRandom.current()
                .nextDouble(0.1));
        schedule(this::probe, first);
    }

    /** A newer configuration names the target (same health settings): use its Host header and pool settings. */
    void update(Target t, UpstreamGroup g) {
        target = t;
        group = g;
    }

    void stop() {
        stopped = true;
        execute(() -> {
            if (inFlight) {
                finish(true, null, false);
            }
        });
    }

    private void probe() {
        if (stopped) {
            return;
        }
        Target t = target;
        UpstreamGroup g = group;
        inFlight = true;
        status = 0;
        keepAlive = false;
        timeout = loop.schedule(this::timedOut, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        pool = client.pool(loop, t.endpoint(), g.pool());
        pool.acquire(this, g.pool());
    }

    @Override
    public void onConnected(UpstreamStream c, boolean reused) {
        if (!inFlight) {
            c.release(true);
            return;
        }
        connection = c;
        DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, config.path(),
                Unpooled.EMPTY_BUFFER);
        req.headers().set(HttpHeaderNames.HOST, target.hostHeader());
        req.headers().set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        c.write(req);
        c.flush();
    }

    @Override
    public void onConnectFailed(ConnectFailure failure, Throwable cause) {
        finish(false, "cannot connect: " + failure.name().toLowerCase(java.util.Locale.ROOT), false);
    }

    @Override
    public void onResponseHead(ResponseHead head) {
        if (head.status() >= 200) {
            status = head.status();
            keepAlive = head.isKeepAlive();
        }
    }

    @Override
    public void onResponseContent(ByteBuf in, int index, int length) {
        // The body is not read.
    }

    @Override
    public void onResponseEnd(ByteBuf trailers) {
        if (trailers != null) {
            trailers.release();
        }
        boolean ok = config.accepts(status);
        finish(ok, "status " + status, keepAlive);
    }

    @Override
    public void onUpstreamReadComplete() {}

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {}

    @Override
    public void onUpstreamClosed(Throwable cause) {
        connection = null;
        finish(false, cause == null ? "connection closed" : "connection failed: " + cause, false);
    }

    private void timedOut() {
        timeout = null;
        if (inFlight) {
            finish(false, "no answer within " + config.timeout().toMillis() + " ms", false);
        }
    }

    /** Ends this check (releasing or closing its connection), records the verdict and schedules the next one. */
    private void finish(boolean passed, String detail, boolean reusable) {
        if (!inFlight) {
            return;
        }
        inFlight = false;
        ScheduledFuture<?> t = timeout;
        timeout = null;
        if (t != null) {
            t.cancel(false);
        }
        UpstreamStream c = connection;
        connection = null;
        if (c != null) {
            if (reusable) {
                c.release(true);
            } else {
                c.abort();
            }
        } else if (pool != null) {
            pool.cancel(this);
        }
        if (stopped) {
            return;
        }
        health.checkResult(passed, detail);
        schedule(this::probe, config.interval().toNanos());
    }

    private void schedule(Runnable task, long delayNanos) {
        try {
            loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            stopped = true; // the loops are shutting down
        }
    }

    private void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }
}
