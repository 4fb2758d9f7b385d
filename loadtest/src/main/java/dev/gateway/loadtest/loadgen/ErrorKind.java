package dev.gateway.loadtest.loadgen;

import java.util.Locale;

/** Why a measured request failed; the summary's {@code errors_by_kind} keys are the lower-case names. */
enum ErrorKind {
    /** The connection it was to go on could not be opened. */
    CONNECT,
    /** No complete response within {@code --timeout} of sending (the connection is then closed). */
    TIMEOUT,
    /** A 4xx response (its latency is recorded too). */
    STATUS_4XX,
    /** A 5xx response (its latency is recorded too). */
    STATUS_5XX,
    /** The connection failed or closed mid-request, or the response could not be parsed. */
    IO,
    /** Due but never sent: the backlog overflowed {@code --max-backlog}, or the run's end came first. */
    BACKLOG;

    String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
