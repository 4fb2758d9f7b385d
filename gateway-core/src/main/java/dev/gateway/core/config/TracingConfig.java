package dev.gateway.core.config;

/**
 * W3C trace context: a valid incoming {@code traceparent}/{@code tracestate} is passed upstream unchanged; when
 * there is none (or it is invalid) and {@code startTraceparent} is on, the gateway starts one, with the sampled
 * flag set as configured.
 */
public record TracingConfig(boolean startTraceparent, boolean sampled) {
    public static TracingConfig defaults() {
        return new TracingConfig(true, false);
    }
}
