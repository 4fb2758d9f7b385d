package dev.gateway.core.terminal;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.metrics.UpstreamMetrics;
import dev.gateway.core.upstream.ConnectionPool;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import dev.gateway.core.upstream.UpstreamListener;
import dev.gateway.core.upstream.UpstreamProtocolException;
import dev.gateway.core.upstream.UpstreamRefusedException;
import dev.gateway.core.upstream.UpstreamStream;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of an {@link UpstreamCall} on one target (Envoy's upstream request): a stream from the pool, with a
 * timer while queued behind the pool's connection limit; the request and its body written to it; the response relayed
 * to the exchange as it arrives, paused while the client is backed up; the response deadline. A response the call
 * retries on is dropped: its short, delimited body is drained so that the connection goes back to its pool.
 *
 * <p>It knows its connection only as an {@link UpstreamStream}, and it listens to the stream and to the client's
 * {@link ClientFlow} directly: no event passes through anything else. Whether to try again is the call's decision.
 * Confined to the request's event loop.
 */
final class UpstreamAttempt implements UpstreamListener, ClientFlow.Listener {
    private static final Logger logger = LoggerFactory.getLogger(UpstreamAttempt.class);
    /** A dropped response (retried on its status) is drained for connection reuse only up to this length. */
    private static final long DRAIN_UP_TO = 16 * 1024;

    enum State {
        /** Waiting for a stream from the pool. */
        ACQUIRING,
        /** Connected: the request is written; its body is still arriving from the client. */
        SENDING,
        /** The whole request went upstream; its response head is due by the deadline. */
        AWAITING_RESPONSE,
        /** The final response head was passed on; its body is relayed to the exchange. */
        RELAYING,
        /** The response is dropped for a retry; its short body is drained so that the connection can be reused. */
        DRAINING,
        /** Over: the response ended, the attempt failed, was given up or handed its stream over (a WebSocket). */
        DONE
    }

    private final UpstreamCall call;
    private final TerminalExchange ex;
    private final ClientFlow flow;
    private final Target target;
    private final long startNanos = System.nanoTime();
    private State state = State.ACQUIRING;
    private ConnectionPool pool;
    private UpstreamStream stream;
    private boolean reused;
    /** The relayed response leaves the stream reusable once it ends (keep-alive, whole request sent, no upgrade). */
    private boolean reusable;
    private boolean flushPending;
    /** When the response head (or a drained body's end) is due (nanoTime), or 0. */
    private long deadlineNanos;
    /** While queued behind the pool's connection limit (rare): gives up after the connect timeout. */
    private ScheduledFuture<?> waitTimer;
    /** While draining: the wait before the next attempt. */
    private long retryDelay;

    UpstreamAttempt(UpstreamCall call, TerminalExchange ex, ClientFlow flow, Target target) {
        this.call = call;
        this.ex = ex;
        this.flow = flow;
        this.target = target;
    }

    Target target() {
        return target;
    }

    long startNanos() {
        return startNanos;
    }

    boolean reusedConnection() {
        return reused;
    }

    /** True while the attempt has a stream that takes request body pieces. */
    boolean takesBody() {
        return stream != null;
    }

    /** Asks {@code p} for a stream; the answer (and even the attempt's end) may come before this returns. */
    void start(ConnectionPool p, UpstreamGroup.PoolSettings settings) {
        pool = p;
        p.acquire(this, settings);
        if (state == State.ACQUIRING) {
            // Queued behind the pool's connection limit: give up after the connect timeout.
            waitTimer = ex.loop().schedule(this::onWaitTimeout, settings.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void onWaitTimeout() {
        waitTimer = null;
        if (state == State.ACQUIRING && pool.cancel(this)) {
            fail(RetryPolicy.Failure.CONNECT_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT, UpstreamMetrics.Outcome.TIMEOUT);
        }
    }

    @Override
    public void onConnected(UpstreamStream s, boolean reused) {
        cancelTimers();
        if (state != State.ACQUIRING) {
            s.release(true); // given up while it waited
            return;
        }
        stream = s;
        this.reused = reused;
        state = State.SENDING;
        flow.listen(this);
        s.write(ex.request());
        call.resendBody(s);
        ex.sendContinueIfExpected();
        HttpContent piece;
        boolean queued = false;
        while ((piece = ex.pollBody()) != null) {
            call.send(s, piece);
            queued = true;
        }
        if (queued) {
            flow.pauseRequestBody(!s.isWritable());
        }
        if (ex.isRequestRead()) {
            requestSent();
        }
        flushSoon();
    }

    @Override
    public void onConnectFailed(ConnectFailure failure, Throwable cause) {
        cancelTimers();
        if (state != State.ACQUIRING) {
            return;
        }
        logger.debug("request {}: cannot connect to {}: {}", ex.requestId(), target, failure);
        switch (failure) {
            case TIMEOUT -> fail(RetryPolicy.Failure.CONNECT_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT,
                    UpstreamMetrics.Outcome.TIMEOUT);
            case OVERLOADED -> fail(RetryPolicy.Failure.OVERLOADED, GatewayErrors.UPSTREAM_OVERLOADED,
                    UpstreamMetrics.Outcome.OVERLOADED);
            case TLS -> {
                logger.warn("request {}: TLS handshake with {} failed: {}", ex.requestId(), target, why(cause));
                fail(RetryPolicy.Failure.TLS_HANDSHAKE, GatewayErrors.UPSTREAM_TLS_ERROR,
                        UpstreamMetrics.Outcome.TLS_ERROR);
            }
            default -> fail(RetryPolicy.Failure.CONNECT_REFUSED, GatewayErrors.UPSTREAM_UNAVAILABLE,
                    UpstreamMetrics.Outcome.REFUSED);
        }
    }

    /** A piece of the request body (owned by the attempt from now on); {@code last}: the request is complete. */
    void requestContent(HttpContent piece, boolean last) {
        UpstreamStream s = stream;
        if (s == null) {
            piece.release();
            return;
        }
        call.send(s, piece);
        flushSoon();
        if (!s.isWritable()) {
            flow.pauseRequestBody(true);
        }
        if (last && state == State.SENDING) {
            requestSent();
        }
    }

    private void requestSent() {
        state = State.AWAITING_RESPONSE;
        armDeadline();
    }

    private void armDeadline() {
        deadlineNanos = System.nanoTime() + call.timeoutNanos();
        flow.wakeBy(deadlineNanos);
    }

    private void flushSoon() {
        if (flow.inReadBatch()) {
            flushPending = true;
        } else if (stream != null) {
            stream.flush();
        }
    }

    @Override
    public void onClientReadComplete() {
        if (flushPending) {
            flushPending = false;
            if (stream != null) {
                stream.flush();
            }
        }
    }

    @Override
    public void onClientWritable() {
        if (stream != null) {
            stream.setAutoRead(true);
        }
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (writable) {
            flow.pauseRequestBody(false);
        }
    }

    // ----- the response

    @Override
    public void onResponseHead(ResponseHead head) {
        if (state != State.SENDING && state != State.AWAITING_RESPONSE) {
            return;
        }
        int code = head.status();
        if (code < 200 && code != 101) {
            // 1xx interim responses (100, 103) are not passed on; the final response follows.
            return;
        }
        cancelTimers();
        long now = System.nanoTime();
        long delay = call.finalHead(this, code, now);
        if (delay >= 0) {
            drop(head, delay);
            return;
        }
        long upstreamNanos = now - call.startNanos();
        if (code == 101 && ex.isUpgrade()) {
            // A WebSocket: the stream leaves the attempt (and its pool) for the exchange's relay.
            state = State.DONE;
            UpstreamStream s = stream;
            stream = null;
            ex.upgraded(head, upstreamNanos, s);
            return;
        }
        // Not reusable when the upstream answered before the whole request was sent, nor after a handshake.
        reusable = head.isKeepAlive() && state == State.AWAITING_RESPONSE && !ex.isUpgrade();
        state = State.RELAYING;
        ex.responseHead(head, upstreamNanos);
    }

    @Override
    public void onResponseContent(ByteBuf in, int index, int length) {
        if (state != State.RELAYING) {
            return;
        }
        ex.responseContent(in, index, length);
        if (!flow.isWritable() && stream != null) {
            stream.setAutoRead(false);
        }
    }

    /**
     * The response is not passed on: another attempt follows after {@code delay}. A short, delimited body on a
     * keep-alive stream is drained (the stream then goes back to its pool, see onResponseEnd); anything else closes
     * the stream at once.
     */
    private void drop(ResponseHead head, long delay) {
        logger.debug("request {}: retrying after status {} from {}", ex.requestId(), head.status(), target);
        ResponseHead.Framing f = head.framing();
        boolean drain = head.isKeepAlive() && state == State.AWAITING_RESPONSE && ex.isRequestRead()
                && (f == ResponseHead.Framing.NONE
                        || f == ResponseHead.Framing.LENGTH && head.contentLength() <= DRAIN_UP_TO);
        if (drain) {
            state = State.DRAINING;
            retryDelay = delay;
            armDeadline(); // a body that stalls is given up at the route's timeout (onDeadline)
            return;
        }
        state = State.DONE;
        abortStream();
        call.retryLater(delay);
    }

    @Override
    public void onResponseEnd(ByteBuf trailers) {
        if (state != State.RELAYING && state != State.DRAINING) {
            if (trailers != null) {
                trailers.release();
            }
            return;
        }
        boolean draining = state == State.DRAINING;
        state = State.DONE;
        cancelTimers();
        UpstreamStream s = stream;
        stream = null;
        if (draining) {
            if (trailers != null) {
                trailers.release();
            }
            if (s != null) {
                s.release(true); // drained whole after the whole request
            }
            call.retryLater(retryDelay);
            return;
        }
        if (s != null) {
            s.release(reusable);
        }
        ex.responseEnd(trailers);
    }

    @Override
    public void onUpstreamReadComplete() {
        ex.upstreamReadComplete();
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        stream = null;
        switch (state) {
            case DRAINING -> {
                // Closed while its dropped response drained: the retry goes ahead all the same.
                state = State.DONE;
                cancelTimers();
                call.retryLater(retryDelay);
            }
            case RELAYING -> {
                // Died mid-body: the client connection closes so the truncation can't pass for a complete response.
                logger.debug("request {}: {} closed mid-response", ex.requestId(), target);
                state = State.DONE;
                cancelTimers();
                ex.abort();
            }
            case SENDING, AWAITING_RESPONSE -> {
                logger.debug("request {}: {} closed before responding: {}", ex.requestId(), target,
                        cause == null ? "closed" : cause.toString());
                if (cause instanceof UpstreamRefusedException) {
                    fail(RetryPolicy.Failure.REFUSED_STREAM, GatewayErrors.UPSTREAM_UNAVAILABLE,
                            UpstreamMetrics.Outcome.CLOSED);
                } else if (cause instanceof UpstreamProtocolException) {
                    fail(RetryPolicy.Failure.BAD_RESPONSE, GatewayErrors.UPSTREAM_BAD_RESPONSE,
                            UpstreamMetrics.Outcome.BAD_RESPONSE);
                } else {
                    fail(RetryPolicy.Failure.CLOSED_BEFORE_RESPONSE, GatewayErrors.UPSTREAM_UNAVAILABLE,
                            UpstreamMetrics.Outcome.CLOSED);
                }
            }
            default -> { }
        }
    }

    @Override
    public void onDeadline() {
        long d = deadlineNanos;
        if (d == 0) {
            return; // a deadline this attempt no longer has (or another attempt's)
        }
        if (System.nanoTime() - d < 0) {
            flow.wakeBy(d);
            return;
        }
        deadlineNanos = 0;
        if (state == State.DRAINING) {
            // The dropped response's body stalled: close its stream and go on with the retry.
            state = State.DONE;
            abortStream();
            call.retryLater(retryDelay);
        } else if (state == State.SENDING || state == State.AWAITING_RESPONSE) {
            logger.debug("request {}: {} did not respond within {} ms", ex.requestId(), target,
                    call.timeoutNanos() / 1_000_000);
            abortStream();
            fail(RetryPolicy.Failure.RESPONSE_TIMEOUT, GatewayErrors.UPSTREAM_TIMEOUT,
                    UpstreamMetrics.Outcome.TIMEOUT);
        }
    }

    /** The most specific message of {@code cause}'s chain (TLS providers wrap the reason). */
    private static String why(Throwable cause) {
        if (cause == null) {
            return "no handshake within the connect timeout";
        }
        String why = cause.toString();
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                why = t.getMessage();
            }
        }
        return why;
    }

    /** The attempt failed before any response byte: the call decides what follows. */
    private void fail(RetryPolicy.Failure failure, GatewayError error, UpstreamMetrics.Outcome outcome) {
        state = State.DONE;
        cancelTimers();
        call.attemptFailed(this, failure, error, outcome);
    }

    /** The call is over (the exchange ended first, or it gave up): let go of everything. */
    void cancel() {
        if (state == State.DONE) {
            return;
        }
        boolean waiting = state == State.ACQUIRING;
        state = State.DONE;
        cancelTimers();
        if (waiting) {
            pool.cancel(this);
        }
        abortStream();
    }

    private void abortStream() {
        UpstreamStream s = stream;
        stream = null;
        if (s != null) {
            s.abort();
        }
    }

    private void cancelTimers() {
        deadlineNanos = 0;
        ScheduledFuture<?> t = waitTimer;
        if (t != null) {
            waitTimer = null;
            t.cancel(false);
        }
    }
}
