package dev.gateway.core.terminal;

import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.upstream.HealthSelector;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request forwarded upstream, the per-request part (Envoy's router, Armeria's retrying client): the route's
 * breaker, target choice, the group's fallback, the retry loop and the kept body. Each try is an
 * {@link UpstreamAttempt} on one stream, which reports back here. Confined to the request's event loop.
 *
 * <p>A failed attempt is retried when the route's {@link RetryPolicy} says so, always before any response byte went
 * to the client. A final response head whose status the policy retries on is looked at before it is passed on: when
 * the attempt is retried, the attempt drops the response. The request is sent again as it was: a bodyless request,
 * or one whose body still waits in the exchange (the attempt failed before connecting), or one whose whole body the
 * call kept ({@link KeptBody}, up to {@link RetryPolicy#keepsBodyUpTo}). A body streamed past that size is not kept,
 * and such a request is not retried once an attempt took its body.
 */
final class UpstreamCall implements Terminal.Call {
    private static final Logger logger = LoggerFactory.getLogger(UpstreamCall.class);
    private static final io.netty.util.AsciiString GRPC_TIMEOUT = io.netty.util.AsciiString.cached("grpc-timeout");

    enum State {
        /** An attempt is under way (acquiring, sending, awaiting its response, or draining a dropped one). */
        ATTEMPTING,
        /** Between attempts: the next one starts after the policy's delay. */
        BACKOFF,
        /** The group's fixed fallback response answers: everything goes to its call. */
        FALLBACK_RESPONSE,
        /** The attempt relays the response: no retry from here on. */
        RESPONDING,
        /** Failed or cancelled. */
        DONE
    }

    private final UpstreamTerminal terminal;
    private final TerminalExchange ex;
    private ClientFlow flow;
    private State state = State.ATTEMPTING;
    private UpstreamGroup group;
    /** The current (or last) attempt. */
    private UpstreamAttempt attempt;
    private int attempts;
    private long startNanos;
    /** The fixed fallback response's call, in state FALLBACK_RESPONSE. */
    private Terminal.Call delegate;
    /** The group's fallback upstream is in use (it is tried once per request). */
    private boolean inFallback;
    /** An attempt took some of the request's content from the exchange: a retry must send it again itself. */
    private boolean bodySent;
    /** The request body sent so far, kept for a retry; null when not keeping. */
    private KeptBody kept;
    private ScheduledFuture<?> backoffTimer;
    /** When a gRPC call's {@code grpc-timeout} runs out (nanoTime), or 0 when it has none. */
    private long grpcDeadlineNanos;

    UpstreamCall(UpstreamTerminal terminal, TerminalExchange ex) {
        this.terminal = terminal;
        this.ex = ex;
    }

    void start() {
        startNanos = System.nanoTime();
        long grpcTimeout = GrpcTimeout.nanos(ex.request().headers().get(GRPC_TIMEOUT));
        if (grpcTimeout >= 0) {
            grpcDeadlineNanos = (startNanos + grpcTimeout) | 1; // never 0
        }
        flow = ex.clientFlow();
        UpstreamGroup override = ex.upstreamOverride();
        group = override != null ? override : terminal.group();
        CircuitBreaker routeBreaker = terminal.breaker();
        if (routeBreaker != null && !routeBreaker.tryAcquire()) {
            state = State.DONE;
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

    long startNanos() {
        return startNanos;
    }

    /** How long an attempt waits for its response head: the route's timeout, or less what a gRPC deadline leaves. */
    long timeoutNanos() {
        long t = terminal.timeoutNanos();
        if (grpcDeadlineNanos != 0) {
            t = Math.min(t, Math.max(0, grpcDeadlineNanos - System.nanoTime()));
        }
        return t;
    }

    /** An attempt on {@code t}, or when the selector found no target ({@code t} null), the group's fallback. */
    private void attempt(Target t) {
        if (t == null) {
            noTarget();
            return;
        }
        state = State.ATTEMPTING;
        ex.sentTo(t);
        if (!group.preserveClientHost()) {
            ex.request().headers().set(HttpHeaderNames.HOST, t.hostHeader());
        }
        attempts++;
        UpstreamAttempt a = new UpstreamAttempt(this, ex, flow, t);
        attempt = a;
        a.start(terminal.client().pool(ex.loop(), t.endpoint(), group.pool()), group.pool());
    }

    /**
     * No target of the group can take the request (every breaker open, or every target unhealthy or ejected): its
     * fallback upstream, or its fixed fallback response, or 503.
     */
    private void noTarget() {
        UpstreamFallback f = terminal.fallback(group);
        if (f != null && !inFallback) {
            inFallback = true;
            if (f.upstream() != null) {
                logger.debug("request {}: no target of upstream {} can take it; falling back to {}", ex.requestId(),
                        group, f.upstream());
                GatewayError error = unavailable(group);
                group = f.upstream();
                Target t = terminal.selector().select(group, null);
                if (t != null) {
                    attempt(t); // a kept body is sent to the fallback upstream as to a retry's target
                } else {
                    failWith(error);
                }
                return;
            }
            releaseKept(); // the fixed response takes no body from the call
            state = State.FALLBACK_RESPONSE;
            delegate = f.response().open(ex);
            return;
        }
        failWith(unavailable(group));
    }

    private static GatewayError unavailable(UpstreamGroup g) {
        return HealthSelector.allCircuitsOpen(g) ? GatewayErrors.UPSTREAM_CIRCUIT_OPEN
                : GatewayErrors.NO_HEALTHY_UPSTREAM;
    }

    private void failWith(GatewayError error) {
        state = State.DONE;
        releaseKept();
        ex.fail(error);
    }

    /**
     * The one place where an attempt's outcome goes to its target's health (breaker, ejection): a success or 5xx at
     * the response head, or a failure before it (connect failure, reset, timeout, invalid response).
     */
    private void report(UpstreamAttempt a, boolean failure, long nowNanos) {
        long took = nowNanos - a.startNanos();
        TargetHealth h = a.target().health();
        if (h != null) {
            h.report(failure, took, group);
        }
        CircuitBreaker routeBreaker = terminal.breaker();
        if (routeBreaker != null) {
            routeBreaker.onResult(failure, took);
        }
    }

    // ----- the request body

    @Override
    public boolean takesBody() {
        return delegate != null ? delegate.takesBody() : attempt != null && attempt.takesBody();
    }

    @Override
    public void requestContent(HttpContent piece, boolean last) {
        if (delegate != null) {
            delegate.requestContent(piece, last);
        } else if (state == State.DONE || attempt == null) {
            piece.release();
        } else {
            attempt.requestContent(piece, last);
        }
    }

    /** Writes a piece of the request upstream, keeping it for a retry while the body fits the limit. */
    void send(UpstreamStream s, HttpContent piece) {
        bodySent = true;
        if (kept != null) {
            if (!kept.send(s, piece)) {
                kept = null;
            }
        } else {
            s.write(piece);
        }
    }

    /**
     * A retry's stream: what an earlier attempt took went to its stream. Sends the kept body again, or the end of a
     * bodyless request (the policy retries nothing else once content was taken).
     */
    void resendBody(UpstreamStream s) {
        if (bodySent) {
            if (kept != null) {
                kept.resend(s);
            } else {
                s.write(LastHttpContent.EMPTY_LAST_CONTENT);
            }
        }
    }

    private void releaseKept() {
        if (kept != null) {
            kept.release();
            kept = null;
        }
    }

    // ----- what the attempts report

    /**
     * The final response head of {@code a} arrived (status {@code code}); reported once, here, whether or not a retry
     * follows (a dropped, retried 5xx is not reported again). Returns the wait before the next attempt when the
     * response is to be dropped, else {@link RetryPolicy#NO_RETRY}: the attempt passes it on.
     */
    long finalHead(UpstreamAttempt a, int code, long now) {
        report(a, code >= 500, now);
        a.target().metrics().record(UpstreamMetrics.Outcome.SUCCESS, now - startNanos);
        if (code >= 500 && terminal.retry().retriesOnStatus(code) && !ex.isUpgrade()) {
            long delay = terminal.retry().retryDelayNanos(attemptOf(a, RetryPolicy.Failure.ERROR_STATUS, code));
            if (delay >= 0) {
                return delay;
            }
        }
        state = State.RESPONDING;
        releaseKept(); // no retry from here on
        return RetryPolicy.NO_RETRY;
    }

    /** {@code a} failed before any response byte: another attempt if the policy says so, else the error. */
    void attemptFailed(UpstreamAttempt a, RetryPolicy.Failure failure, GatewayError error,
            UpstreamMetrics.Outcome outcome) {
        if (state != State.ATTEMPTING || a != attempt) {
            return;
        }
        RetryPolicy.Attempt at = attemptOf(a, failure, 0);
        long delay = terminal.retry().retryDelayNanos(at);
        // A full pool queue is the gateway's own limit, and a kept-alive connection the upstream had closed (retried
        // at once) is the ordinary race of keep-alive: neither is the target failing.
        if (failure != RetryPolicy.Failure.OVERLOADED
                && !(delay == 0 && RetryPolicy.STALE_CONNECTION.retryDelayNanos(at) == 0)) {
            report(a, true, System.nanoTime());
        }
        a.target().metrics().record(outcome, System.nanoTime() - startNanos);
        if (delay < 0) {
            failWith(error);
        } else if (delay == 0) {
            logger.debug("request {}: retrying after {} from {}", ex.requestId(), failure, a.target());
            attempt(terminal.selector().select(group, a.target()));
        } else {
            logger.debug("request {}: retrying after {} from {}", ex.requestId(), failure, a.target());
            retryLater(delay);
        }
    }

    private RetryPolicy.Attempt attemptOf(UpstreamAttempt a, RetryPolicy.Failure failure, int status) {
        return new RetryPolicy.Attempt(ex.request().method(), ex.hasBody(), bodySent,
                kept != null && ex.isRequestRead(), ex.isRequestRead(), attempts, failure, status,
                a.reusedConnection());
    }

    /** The next attempt, to another target when the group has one, from a fresh event-loop task after {@code delay}. */
    void retryLater(long delay) {
        if (state != State.ATTEMPTING) {
            return;
        }
        state = State.BACKOFF;
        Runnable next = () -> {
            backoffTimer = null;
            if (state == State.BACKOFF) {
                attempt(terminal.selector().select(group, attempt.target()));
            }
        };
        if (delay <= 0) {
            // Not from inside the stream's own callback: the dropped response's connection may be the next one.
            ex.loop().execute(next);
        } else {
            backoffTimer = ex.loop().schedule(next, delay, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void cancel() {
        if (delegate != null) {
            delegate.cancel();
            return;
        }
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        ScheduledFuture<?> t = backoffTimer;
        if (t != null) {
            backoffTimer = null;
            t.cancel(false);
        }
        releaseKept();
        if (attempt != null) {
            attempt.cancel();
        }
    }
}
