package dev.gateway.server.http1;

import dev.gateway.core.config.ServerConfig;
import dev.gateway.core.terminal.ClientFlow;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timer of one client connection: one lazily re-armed task (the technique of Netty's IdleStateHandler) instead of
 * a timer per request. It closes an idle keep-alive connection, answers 408 when request headers take too long, cuts
 * off a client that stopped reading the response (write timeout) or sending its body, and wakes the exchange's call
 * at its deadline ({@link ClientFlow#wakeBy}). It never sleeps longer than its period, which is at most the smallest
 * route timeout, so arming a response deadline almost never reschedules it. What a timeout does is the handler's
 * ({@link Http1ServerHandler#timedOut}). Confined to the channel's event loop.
 */
final class ConnectionTimer implements Runnable {

    /** What the connection is doing, which decides the timeout that applies. */
    enum Phase {
        /** Between requests: the idle timeout. */
        IDLE,
        /** Part of a request head arrived: the header-read timeout. */
        HEAD,
        /** An exchange runs: its call's deadline, and the idle timeout while its body is being read. */
        EXCHANGE
    }

    enum Timeout { IDLE, HEADER_READ, BODY_STALLED, WRITE }

    private final Http1ServerHandler handler;
    private final long idleTimeoutNanos;
    private final long headerTimeoutNanos;
    private final long writeTimeoutNanos;
    /** The longest the timer sleeps: min(idle, header-read, smallest route timeout), at least 1 s. */
    private final long periodNanos;

    private EventLoop loop;
    private ScheduledFuture<?> timer;
    private long timerAtNanos;
    private boolean stopped;
    private Phase phase = Phase.IDLE;
    private long idleSinceNanos;
    private long headerStartNanos;
    /** When the last read batch ended (a request body that stops arriving times out like an idle connection). */
    private long lastReadNanos = System.nanoTime();
    /** When the client connection became unwritable (the client stopped reading), or 0 while it is writable. */
    private long unwritableSinceNanos;
    /** The call's deadline (nanoTime) and whom it wakes, or 0. */
    private long deadlineNanos;
    private ClientFlow.Listener deadlineListener;

    ConnectionTimer(Http1ServerHandler handler, ServerConfig limits, long minRouteTimeoutMillis) {
        this.handler = handler;
        this.idleTimeoutNanos = limits.idleTimeout().toNanos();
        this.headerTimeoutNanos = limits.headerReadTimeout().toNanos();
        this.writeTimeoutNanos = limits.writeTimeout().toNanos();
        long period = Math.min(idleTimeoutNanos, headerTimeoutNanos);
        period = Math.min(period, TimeUnit.MILLISECONDS.toNanos(minRouteTimeoutMillis));
        this.periodNanos = Math.max(period, TimeUnit.SECONDS.toNanos(1));
    }


    /** The handler joined its channel, whose loop runs the timer. */
    void attach(EventLoop eventLoop) {
        loop = eventLoop;
    }

    /** The connection is up and idle. */
    void start() {
        idleSinceNanos = System.nanoTime();
        schedule(periodNanos);
    }

    /** The connection closed or left HTTP: the timer never fires again. */
    void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    boolean isIdle() {
        return phase == Phase.IDLE;
    }

    /** A request (or a response to none) started: its exchange runs. */
    void exchangeStarted() {
        phase = Phase.EXCHANGE;
        headerStartNanos = 0;
    }

    /** The exchange ended; the connection waits for the next request. */
    void exchangeEnded() {
        phase = Phase.IDLE;
        idleSinceNanos = System.nanoTime();
        deadlineNanos = 0;
        deadlineListener = null;
    }

    /** A read batch ended; {@code partialHead}: between exchanges, it carried only part of a request head. */
    void readComplete(boolean partialHead) {
        lastReadNanos = System.nanoTime();
        if (partialHead && phase == Phase.IDLE) {
            // The header-read timeout starts now.
            phase = Phase.HEAD;
            headerStartNanos = lastReadNanos;
            ensureBy(headerStartNanos + headerTimeoutNanos);
        }
    }

    void writabilityChanged(boolean writable) {
        if (writable) {
            unwritableSinceNanos = 0;
        } else {
            unwritableSinceNanos = System.nanoTime();
            ensureBy(unwritableSinceNanos + writeTimeoutNanos);
        }
    }

    /** Wakes {@code listener} once {@code deadline} passed (see {@link ClientFlow#wakeBy}). */
    void wakeBy(long deadline, ClientFlow.Listener listener) {
        deadlineNanos = deadline;
        deadlineListener = listener;
        if (deadline != 0) {
            ensureBy(deadline);
        }
    }

    @Override
    public void run() {
        timer = null;
        if (stopped || !handler.isOpen()) {
            return;
        }
        long now = System.nanoTime();
        if (unwritableSinceNanos != 0 && now - unwritableSinceNanos >= writeTimeoutNanos) {
            handler.timedOut(Timeout.WRITE);
            return;
        }
        switch (phase) {
            case EXCHANGE -> {
                long d = deadlineNanos;
                ClientFlow.Listener l = deadlineListener;
                if (d != 0 && now - d >= 0 && l != null) {
                    deadlineNanos = 0;
                    l.onDeadline();
                } else if (now - lastReadNanos >= idleTimeoutNanos && handler.isReadingBody()) {
                    handler.timedOut(Timeout.BODY_STALLED);
                }
            }
            case HEAD -> {
                if (now - headerStartNanos >= headerTimeoutNanos) {
                    handler.timedOut(Timeout.HEADER_READ);
                    return;
                }
            }
            case IDLE -> {
                if (now - idleSinceNanos >= idleTimeoutNanos) {
                    handler.timedOut(Timeout.IDLE);
                    return;
                }
            }
            default -> throw new IllegalStateException(phase.toString());
        }
        if (stopped || timer != null || !handler.isOpen()) {
            return;
        }
        long next = periodNanos;
        if (phase == Phase.EXCHANGE && deadlineNanos != 0) {
            next = Math.min(next, deadlineNanos - now);
        } else if (phase == Phase.HEAD) {
            next = Math.min(next, headerStartNanos + headerTimeoutNanos - now);
        } else if (phase == Phase.IDLE) {
            next = Math.min(next, idleSinceNanos + idleTimeoutNanos - now);
        }
        if (unwritableSinceNanos != 0) {
            next = Math.min(next, unwritableSinceNanos + writeTimeoutNanos - now);
        }
        schedule(next);
    }

    /** Makes sure the timer fires no later than {@code deadline}. */
    private void ensureBy(long deadline) {
        if (stopped || loop == null) {
            return;
        }
        if (timer == null || timerAtNanos - deadline > 0) {
            if (timer != null) {
                timer.cancel(false);
            }
            schedule(deadline - System.nanoTime());
        }
    }

    private void schedule(long delayNanos) {
        delayNanos = Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
        timerAtNanos = System.nanoTime() + delayNanos;
        timer = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }
}
