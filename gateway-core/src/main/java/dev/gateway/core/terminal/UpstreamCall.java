package dev.gateway.core.terminal;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.upstream.HealthSelector;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamListener;
import dev.gateway.core.upstream.UpstreamProtocolException;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request forwarded upstream: target choice, a pooled connection, the request and its body written to it, the
 * response relayed to the exchange as it arrives, and the response timeout. Listens to its connection directly, so
 * no event passes through anything else. Confined to the request's event loop.
 *
 * <p>A failed attempt is retried when the route's {@link RetryPolicy} says so, always before any response byte went
 * to the client. A final response head whose status the policy retries on is looked at before it is passed on: when
 * the attempt is retried, the response is dropped (its body drained so the connection goes back to its pool when it
 * is short and delimited, else the connection is closed). The request is sent again as it was: a bodyless request,
 * or one whose body still waits in the exchange (the attempt failed before connecting), or one whose whole body the
 * call kept ({@link KeptBody}, up to {@link RetryPolicy#keepsBodyUpTo}). A body streamed past that size is not kept,
 * and such a request is not retried once an attempt took its body.
 */
final class UpstreamCall implements Terminal.Call, UpstreamListener {
    private static final Logger logger = LoggerFactory.getLogger(UpstreamCall.class);
    /** A dropped response (retried on its status) is drained for connection reuse only up to this length. */
    private static final long DRAIN_UP_TO = 16 * 1024;

    private final UpstreamTerminal terminal;
    private final TerminalExchange ex;
    private UpstreamGroup group;
    private Target target;
    private ConnectionPool pool;
    private UpstreamStream connection;
    private boolean waitingForConnection;
    private boolean reusedConnection;
    private int attempts;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean upstreamReusable;
    private boolean flushPending;
    /** Set once the call has nothing more to do: the response ended, it failed, or it was cancelled. */
    private boolean done;
    private long startNanos;
    /** When the current attempt started (nanoTime): its duration is reported to the target's health. */
    private long attemptStartNanos;
    /** The upstream's fallback answers instead (a fixed response): everything goes to its call. */
    private Terminal.Call delegate;
    /** The group's fallback upstream is in use (it is tried once per request). */
    private boolean inFallback;
    /** When the upstream's response head is due (nanoTime), or 0. */
    private long responseDeadlineNanos;
    /** Timer while queued behind the pool's connection limit (rare), or the backoff before a retry. */
    private ScheduledFuture<?> waitTimer;
    /** An attempt took some of the request's content from the exchange: a retry must send it again itself. */
    private boolean bodySent;
    /** The request body sent so far, kept for a retry; null when not keeping. */
    private KeptBody kept;
    /** The current attempt's response is being dropped for a retry after {@code retryDelay}. */
    private boolean discarding;
    private long retryDelay;

    UpstreamCall(UpstreamTerminal terminal, TerminalExchange ex) {
        this.terminal = terminal;
        this.ex = ex;
    }

    void start() {
        startNanos = System.nanoTime();
        UpstreamGroup override = ex.upstreamOverride();
        group = override != null ? override : terminal.group();
        CircuitBreaker routeBreaker = terminal.breaker();
        if (routeBreaker != null && !routeBreaker.tryAcquire()) {
            done = true;
            ex.fail(GatewayErrors.UPSTREAM_CIRCUIT_OPEN);
            return;
        }
        if (terminal.hasConfiguredRetries()) {
            RetryPolicy policy = terminal.retry();
            policy.requestStarted();
            if (ex.hasBody()) {
                int keepLimit = policy.keepsBodyUpTo(ex.request().method());
                if (keepLimit > 0) {
                    kept = new KeptBody(keepLimit);
                }
            }
        }
        attempt(terminal.selector().select(group, null));
    }

    /** An attempt on {@code t}, or when the selector found no target ({@code t} null), the group's fallback. */
    private void attempt(Target t) {
        if (t == null) {
            noTarget();
            return;
        }
        attemptStartNanos = System.nanoTime();
        target = t;
        ex.sentTo(t);
        if (!group.preserveClientHost()) {
            ex.request().headers().set(HttpHeaderNames.HOST, t.hostHeader());
        }
        pool = terminal.client().pool(ex.loop(), t.endpoint(), group.pool());
        attempts++;
        waitingForConnection = true;
        pool.acquire(this, group.pool());
        if (waitingForConnection && connection == null && !done) {
            // Queued behind the pool's connection limit: give up after the connect timeout.
            waitTimer = ex.loop().schedule(this::onWaitTimeout, group.pool().connectTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * No target of the group can take the request (every breaker open, or every target unhealthy or ejected): its
     * fallback upstream, or its fixed fallback response, or 503.
     */
    private void noTarget() {
        UpstreamFallback f = terminal.fallback(group);
        if (f != null && !inFallback) {
            if (f.upstream() != null) {
                inFallback = true;
                logger.debug("request {}: no target of upstream {} can take it; falling back to {}", ex.requestId(),
                        group, f.upstream());
                GatewayError error = unavailable(group);
                group = f.upstream();
                Target t = terminal.selector().select(group, null);
                if (t != null) {
                    attempt(t); // a kept body is sent to the fallback upstream as to a retry's target
                } else {
                    done = true;
                    releaseKept();
                    ex.fail(error);
                }
                return;
            }
            inFallback = true;
            releaseKept(); // the fixed response takes no body from the call
            delegate = f.response().open(ex);
            return;
        }
        done = true;
        releaseKept();
        ex.fail(unavailable(group));
    }

    private static GatewayError unavailable(UpstreamGroup g) {
        return HealthSelector.allCircuitsOpen(g) ? GatewayErrors.UPSTREAM_CIRCUIT_OPEN
                : GatewayErrors.NO_HEALTHY_UPSTREAM;
    }

    /**
     * The one place where an attempt's outcome goes to its target's health (breaker, ejection): a success or 5xx at
     * the response head, or a failure before it (connect failure, reset, timeout, invalid response).
     */
    private void report(boolean failure, long nowNanos) {
        TargetHealth h = target.health();
        if (h != null) {
            h.report(failure, nowNanos - attemptStartNanos, group);
        }
        CircuitBreaker routeBreaker = terminal.breaker();
        if (routeBreaker != null) {
            routeBreaker.onResult(failure, nowNanos - attemptStartNanos);
        }
    }

    private void onWaitTimeout() {
        waitTimer = null;
        if (waitingForConnection && pool.cancel(this)) {
            waitingForConnection = false;
            giveUp(RetryPolicy.Failure.CONNECT_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT, UpstreamMetrics.Outcome.TIMEOUT);
        }
    }

    @Override
    public void onConnected(UpstreamStream c, boolean reused) {
        waitingForConnection = false;
        cancelTimers();
        if (done) {
            c.release(true);
            return;
        }
        connection = c;
        reusedConnection = reused;
        c.write(ex.request());
        if (bodySent) {
            // A retry: what an earlier attempt took went to its connection. Send the kept body again, or the end of
            // a bodyless request (the policy retries nothing else once content was taken).
            if (kept != null) {
                kept.resend(c);
            } else {
                c.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
        ex.sendContinueIfExpected();
        HttpContent piece;
        boolean queued = false;
        while ((piece = ex.pollBody()) != null) {
            send(c, piece);
            queued = true;
        }
        if (queued) {
            ex.requestBodyWritable(c.isWritable());
        }
        if (ex.isRequestRead()) {
            requestSent = true;
            armResponseTimer();
        }
        flushSoon();
    }

    @Override
    public void onConnectFailed(ConnectFailure failure, Throwable cause) {
        waitingForConnection = false;
        cancelTimers();
        if (done) {
            return;
        }
        logger.debug("request {}: cannot connect to {}: {}", ex.requestId(), target, failure);
        switch (failure) {
            case TIMEOUT -> giveUp(RetryPolicy.Failure.CONNECT_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT,
                    UpstreamMetrics.Outcome.TIMEOUT);
            case OVERLOADED -> giveUp(RetryPolicy.Failure.OVERLOADED, GatewayErrors.UPSTREAM_OVERLOADED,
                    UpstreamMetrics.Outcome.OVERLOADED);
            default -> giveUp(RetryPolicy.Failure.CONNECT_REFUSED, GatewayErrors.UPSTREAM_UNAVAILABLE,
                    UpstreamMetrics.Outcome.REFUSED);
        }
    }

    @Override
    public boolean takesBody() {
        return delegate != null ? delegate.takesBody() : connection != null;
    }

    @Override
    public void requestContent(HttpContent piece, boolean last) {
        if (delegate != null) {
            delegate.requestContent(piece, last);
            return;
        }
        UpstreamStream c = connection;
        if (done || c == null) {
            piece.release();
            return;
        }
        send(c, piece);
        flushSoon();
        if (!c.isWritable()) {
            ex.requestBodyWritable(false);
        }
        if (last) {
            requestSent = true;
            if (!responseStarted) {
                armResponseTimer();
            }
        }
    }

    /** Writes a piece of the request upstream, keeping it for a retry while the body fits the limit. */
    private void send(UpstreamStream c, HttpContent piece) {
        bodySent = true;
        if (kept != null) {
            if (!kept.send(c, piece)) {
                kept = null;
            }
        } else {
            c.write(piece);
        }
    }

    private void releaseKept() {
        if (kept != null) {
            kept.release();
            kept = null;
        }
    }

    private void flushSoon() {
        if (ex.inClientReadBatch()) {
            flushPending = true;
        } else if (connection != null) {
            connection.flush();
        }
    }

    @Override
    public void clientReadComplete() {
        if (delegate != null) {
            delegate.clientReadComplete();
            return;
        }
        if (flushPending) {
            flushPending = false;
            if (connection != null) {
                connection.flush();
            }
        }
    }

    @Override
    public void clientWritable() {
        if (connection != null) {
            connection.setAutoRead(true);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (writable) {
            ex.requestBodyWritable(true);
        }
    }

    // ----- the response

    @Override
    public void onResponseHead(ResponseHead head) {
        if (done) {
            return;
        }
        int code = head.status();
        if (code < 200 && code != 101) {
            // 1xx interim responses (100, 103) are not passed on; the final response follows.
            return;
        }
        cancelTimers();
        long now = System.nanoTime();
        // Reported once, here, whether or not a retry follows: a dropped (retried) 5xx is not reported again.
        report(code >= 500, now);
        long upstreamNanos = now - startNanos;
        target.metrics().record(UpstreamMetrics.Outcome.SUCCESS, upstreamNanos);
        if (code >= 500 && terminal.retry().retriesOnStatus(code) && !ex.isUpgrade()) {
            long delay = decide(RetryPolicy.Failure.ERROR_STATUS, code);
            if (delay >= 0) {
                dropResponse(head, delay);
                return;
            }
        }
        responseStarted = true;
        releaseKept(); // no retry from here on
        if (code == 101 && ex.isUpgrade()) {
            // A WebSocket: the connection leaves the call (and its pool) for the exchange's relay.
            done = true;
            UpstreamStream c = connection;
            connection = null;
            ex.upgraded(head, upstreamNanos, c);
            return;
        }
        // Not reusable when the upstream answered before the whole request was sent, nor after a handshake.
        upstreamReusable = head.isKeepAlive() && ex.isRequestRead() && !ex.isUpgrade();
        ex.responseHead(head, upstreamNanos);
    }

    @Override
    public void onResponseContent(ByteBuf in, int index, int length) {
        if (done || !responseStarted) {
            return;
        }
        ex.responseContent(in, index, length);
        if (!ex.isClientWritable() && connection != null) {
            connection.setAutoRead(false);
        }
    }

    /**
     * The response of this attempt is not passed on: another attempt follows after {@code delay}. A short, delimited
     * body on a keep-alive connection is drained (the connection then goes back to its pool, see onResponseEnd);
     * anything else closes the connection at once.
     */
    private void dropResponse(ResponseHead head, long delay) {
        logger.debug("request {}: retrying after status {} from {}", ex.requestId(), head.status(), target);
        ResponseHead.Framing f = head.framing();
        boolean drain = head.isKeepAlive() && requestSent && ex.isRequestRead() && (f == ResponseHead.Framing.NONE
                || f == ResponseHead.Framing.LENGTH && head.contentLength() <= DRAIN_UP_TO);
        if (drain) {
            discarding = true;
            retryDelay = delay;
            armResponseTimer(); // a body that stalls is given up at the route's timeout (onDeadline)
            return;
        }
        UpstreamStream c = connection;
        connection = null;
        if (c != null) {
            c.abort();
        }
        retryLater(delay);
    }

    @Override
    public void onResponseEnd(ByteBuf trailers) {
        if (discarding && !done) {
            if (trailers != null) {
                trailers.release();
            }
            discarding = false;
            cancelTimers();
            UpstreamStream c = connection;
            connection = null;
            if (c != null) {
                c.release(upstreamReusableAfterDrop());
            }
            retryLater(retryDelay);
            return;
        }
        if (done || !responseStarted) {
            if (trailers != null) {
                trailers.release();
            }
            return;
        }
        done = true;
        cancelTimers();
        UpstreamStream c = connection;
        connection = null;
        if (c != null) {
            c.release(upstreamReusable && requestSent && ex.isRequestRead());
        }
        ex.responseEnd(trailers);
    }

    @Override
    public void onUpstreamReadComplete() {
        ex.upstreamReadComplete();
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        connection = null;
        if (done) {
            return;
        }
        if (discarding) {
            // Closed while its dropped response drained: the retry goes ahead all the same.
            discarding = false;
            cancelTimers();
            retryLater(retryDelay);
            return;
        }
        if (responseStarted) {
            // Died mid-body: the client connection closes so the truncation can't pass for a complete response.
            logger.debug("request {}: {} closed mid-response", ex.requestId(), target);
            done = true;
            releaseKept();
            cancelTimers();
            ex.abort();
            return;
        }
        boolean bad = cause instanceof UpstreamProtocolException;
        logger.debug("request {}: {} closed before responding: {}", ex.requestId(), target,
                cause == null ? "closed" : cause.toString());
        if (bad) {
            giveUp(RetryPolicy.Failure.BAD_RESPONSE, GatewayErrors.UPSTREAM_BAD_RESPONSE,
                    UpstreamMetrics.Outcome.BAD_RESPONSE);
        } else {
            giveUp(RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, GatewayErrors.UPSTREAM_UNAVAILABLE,
                    UpstreamMetrics.Outcome.CLOSED);
        }
    }

    /** An attempt failed before any response byte: another attempt if the policy says so, else the error. */
    private void giveUp(RetryPolicy.Failure failure, GatewayError error, UpstreamMetrics.Outcome outcome) {
        cancelTimers();
        RetryPolicy.Attempt attempt = attemptOf(failure, 0);
        long delay = terminal.retry().retryDelayNanos(attempt);
        // A full pool queue is the gateway's own limit, and a kept-alive connection the upstream had closed (retried
        // at once) is the ordinary race of keep-alive: neither is the target failing.
        if (failure != RetryPolicy.Failure.OVERLOADED
                && !(delay == 0 && RetryPolicy.STALE_CONNECTION.retryDelayNanos(attempt) == 0)) {
            report(true, System.nanoTime());
        }
        if (delay >= 0) {
            logger.debug("request {}: retrying after {} from {}", ex.requestId(), failure, target);
            target.metrics().record(outcome, System.nanoTime() - startNanos);
            requestSent = false;
            if (delay == 0) {
                attempt(terminal.selector().select(group, target));
            } else {
                retryLater(delay);
            }
            return;
        }
        target.metrics().record(outcome, System.nanoTime() - startNanos);
        done = true;
        releaseKept();
        ex.fail(error);
    }

    /** Asks the policy about the attempt that just failed: the wait before the next one, or NO_RETRY. */
    private long decide(RetryPolicy.Failure failure, int status) {
        return terminal.retry().retryDelayNanos(attemptOf(failure, status));
    }

    private RetryPolicy.Attempt attemptOf(RetryPolicy.Failure failure, int status) {
        return new RetryPolicy.Attempt(ex.request().method(), ex.hasBody(), bodySent,
                kept != null && ex.isRequestRead(), ex.isRequestRead(), attempts, failure, status, reusedConnection);
    }

    /** The next attempt, to another target when the group has one, from a fresh event-loop task after {@code delay}. */
    private void retryLater(long delay) {
        requestSent = false;
        Runnable next = () -> {
            waitTimer = null;
            if (!done) {
                attempt(terminal.selector().select(group, target));
            }
        };
        if (delay <= 0) {
            // Not from inside the connection's own callback: the dropped response's connection may be the next one.
            ex.loop().execute(next);
        } else {
            waitTimer = ex.loop().schedule(next, delay, TimeUnit.NANOSECONDS);
        }
    }

    private boolean upstreamReusableAfterDrop() {
        return requestSent && ex.isRequestRead();
    }

    private void armResponseTimer() {
        responseDeadlineNanos = System.nanoTime() + terminal.timeoutNanos();
        ex.deadlineChanged(responseDeadlineNanos);
    }

    @Override
    public long deadlineNanos() {
        return delegate != null ? delegate.deadlineNanos() : responseDeadlineNanos;
    }

    @Override
    public void onDeadline() {
        if (delegate != null) {
            delegate.onDeadline();
            return;
        }
        responseDeadlineNanos = 0;
        if (done || responseStarted) {
            return;
        }
        if (discarding) {
            // The dropped response's body stalled: close its connection and go on with the retry.
            discarding = false;
            UpstreamStream c = connection;
            connection = null;
            if (c != null) {
                c.abort();
            }
            retryLater(retryDelay);
            return;
        }
        logger.debug("request {}: {} did not respond within {} ms", ex.requestId(), target,
                terminal.timeoutNanos() / 1_000_000);
        UpstreamStream c = connection;
        connection = null;
        if (c != null) {
            c.abort();
        }
        giveUp(RetryPolicy.Failure.RESPONSE_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT, UpstreamMetrics.Outcome.TIMEOUT);
    }

    @Override
    public void cancel() {
        if (delegate != null) {
            delegate.cancel();
            return;
        }
        if (done) {
            return;
        }
        done = true;
        cancelTimers();
        releaseKept();
        if (waitingForConnection) {
            pool.cancel(this);
            waitingForConnection = false;
        }
        UpstreamStream c = connection;
        connection = null;
        if (c != null) {
            c.abort();
        }
    }

    private void cancelTimers() {
        responseDeadlineNanos = 0;
        ScheduledFuture<?> t = waitTimer;
        if (t != null) {
            waitTimer = null;
            t.cancel(false);
        }
    }
}
