package dev.gateway.core.http;

/**
 * An asynchronous failure that already knows its answer: a filter's stage fails with it when a dependency fails in
 * an expected way (a lookup timed out, a store is down), and {@link ErrorResponder} answers with {@link #error()}
 * without logging a stack trace. Carries no stack trace of its own.
 */
public final class GatewayException extends RuntimeException {
    private final transient GatewayError error;

    public GatewayException(GatewayError error) {
        this(error, null);
    }

    public GatewayException(GatewayError error, Throwable cause) {
        super(error.code() + ": " + error.message(), cause, false, false);
        this.error = error;
    }

    public GatewayError error() {
        return error;
    }
}
