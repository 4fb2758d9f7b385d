package dev.gateway.core.terminal;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Decides whether a failed upstream attempt is tried again, and after how long. Consulted only before any response
 * byte reached the client. Immutable, shared by every request of a route; called on the event loop.
 */
@FunctionalInterface
public interface RetryPolicy {

    /** {@link #retryDelayNanos}'s answer for "do not retry". */
    long NO_RETRY = -1;

    /** Why an attempt failed. */
    enum Failure {
        /** The target refused the connection. */
        CONNECT_REFUSED,
        /** Connecting took longer than the connect timeout, or no pooled connection freed up in time. */
        CONNECT_TIMEOUT,
        /** The pool's queue of requests waiting for a connection is full. */
        OVERLOADED,
        /** The TLS handshake with the target failed (certificate not trusted, expired or for another host). */
        TLS_HANDSHAKE,
        /**
         * The upstream did not process the request: an HTTP/2 stream it refused (REFUSED_STREAM) or above the last
         * stream id of its GOAWAY. Safe to send again whatever the method.
         */
        REFUSED_STREAM,
        /** The connection closed (or reset) after the request was sent, before any response byte. */
        CLOSED_BEFORE_RESPONSE,
        /** The upstream answered something that is not valid HTTP/1.1. */
        BAD_RESPONSE,
        /** No response head within the route's timeout. */
        RESPONSE_TIMEOUT,
        /**
         * The upstream answered with a 5xx status ({@link Attempt#status()}); nothing of it was sent to the client
         * yet, and the response is dropped if the attempt is retried.
         */
        ERROR_STATUS
    }

    /**
     * One failed attempt. {@code number} counts from 1. {@code hasBody}: the request has a body. {@code bodySent}: an
     * attempt took some of the request's content (its body, or the end of a bodyless request) from the exchange, so
     * the call must send it again itself: it can when the request has no body, or when it kept the whole body
     * ({@code bodyKept}, see {@link RetryPolicy#keepsBodyUpTo()}). {@code status}: the response status of an
     * {@link Failure#ERROR_STATUS}, else 0. {@code reusedConnection}: the attempt used a kept-alive connection from
     * the pool (which the upstream may have closed as the request was sent).
     */
    record Attempt(HttpMethod method, boolean hasBody, boolean bodySent, boolean bodyKept, boolean requestRead,
            int number, Failure failure, int status, boolean reusedConnection) {

        /**
         * True if the request can be sent again as it was: nothing of it was taken yet (it still waits in the
         * exchange), or it was received whole and is bodyless or kept. A body streamed upstream and not kept is
         * never sent twice.
         */
        public boolean canResend() {
            return !bodySent || requestRead && (!hasBody || bodyKept);
        }
    }

    /** Nanoseconds to wait before the next attempt (0: at once), or {@link #NO_RETRY}. */
    long retryDelayNanos(Attempt attempt);

    /**
     * True if this policy may retry on a 5xx response: the call then shows it each final response head of status 500
     * and above, before anything of it is sent to the client.
     */
    default boolean retriesOnStatus(int status) {
        return false;
    }

    /**
     * The largest request body (in bytes) of a {@code method} request that its call keeps whole so that it can be
     * sent again; 0: bodies are not kept (a request whose body was taken by an attempt is then not retried).
     */
    default int keepsBodyUpTo(HttpMethod method) {
        return 0;
    }

    /** A request of the route starts its first attempt (the retry budget counts requests). */
    default void requestStarted() {}

    /**
     * The default, and the behaviour of nginx: a kept-alive connection that the upstream closed as the request was
     * sent, before any byte of response, is retried at once, up to three attempts in all, for idempotent methods
     * without a body only (the request can be sent again as it is, and the upstream cannot have acted on it twice).
     * Likewise an HTTP/2 stream the upstream refused or left unprocessed by its GOAWAY, for any method whose request
     * can be sent again.
     */
    RetryPolicy STALE_CONNECTION = a -> a.failure() == Failure.CLOSED_BEFORE_RESPONSE && a.reusedConnection()
            && !a.hasBody() && a.requestRead() && a.number() < 3 && isIdempotent(a.method())
            || a.failure() == Failure.REFUSED_STREAM && a.canResend() && a.number() < 3 ? 0 : NO_RETRY;

    /** RFC 9110 9.2.2: GET, HEAD, OPTIONS, PUT, DELETE and TRACE. */
    static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.PUT
                || m == HttpMethod.DELETE || m == HttpMethod.TRACE;
    }
}
