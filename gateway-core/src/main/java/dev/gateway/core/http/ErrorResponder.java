package dev.gateway.core.http;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every response the gateway makes itself goes through here: malformed requests (also those refused before any
 * route is known), refusals by filters, no route, limits and upstream failures. It builds the JSON body with the
 * request id and the headers ({@code Content-Type}, {@code X-Request-Id}, the error's own); the exchange that sends
 * it records the metrics and the access-log line, like for any other response.
 *
 * <p>Failures are mapped once, here (Armeria's server error handler idea): a {@link GatewayException} answers with
 * its error; a timeout with 504, a failed connection with 502, a rejected task with 503, all logged at DEBUG without
 * a stack trace (they are expected when a dependency is down); anything else is a 500 {@code internal_error} whose
 * cause is logged once, at WARN, with the request id. A 500 never echoes the exception message.
 */
public final class ErrorResponder {
    private static final Logger logger = LoggerFactory.getLogger(ErrorResponder.class);
    private static final Header JSON = new Header("content-type", "application/json");

    private ErrorResponder() {}

    /** The response for an expected condition: JSON body, Content-Type, X-Request-Id and the error's headers. */
    public static GatewayResponse respond(GatewayError e, CharSequence requestId) {
        List<Header> headers = new ArrayList<>(e.headers().size() + 2);
        headers.add(JSON);
        if (requestId != null) {
            headers.add(new Header("x-request-id", requestId.toString()));
        }
        headers.addAll(e.headers());
        return GatewayResponse.text(e.status(), headers, GatewayErrors.body(e, requestId));
    }

    /**
     * The error for a failure, logged once: unexpected causes at WARN with their stack trace and the request id,
     * expected ones at DEBUG. {@code where} says what failed ("filter hmac-auth", say).
     */
    public static GatewayError classify(Throwable failure, CharSequence requestId, String where) {
        Throwable t = unwrap(failure);
        GatewayError e;
        if (t instanceof GatewayException g) {
            e = g.error();
        } else if (t instanceof TimeoutException || t instanceof ConnectTimeoutException) {
            e = GatewayErrors.DEPENDENCY_TIMEOUT;
        } else if (t instanceof ConnectException) {
            e = GatewayErrors.DEPENDENCY_UNAVAILABLE;
        } else if (t instanceof RejectedExecutionException) {
            e = GatewayErrors.OVERLOADED;
        } else {
            logger.warn("request {}: {} failed", requestId, where, t);
            return GatewayErrors.INTERNAL;
        }
        logger.debug("request {}: {} failed: {} ({})", requestId, where, e.code(), t.toString());
        return e;
    }

    /** The response for a failure: {@link #classify} then {@link #respond}. */
    public static GatewayResponse respond(Throwable failure, CharSequence requestId, String where) {
        return respond(classify(failure, requestId, where), requestId);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
