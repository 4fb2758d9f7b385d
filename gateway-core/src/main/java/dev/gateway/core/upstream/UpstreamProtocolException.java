package dev.gateway.core.upstream;

/** The upstream sent something that is not valid HTTP/1.1 (see {@link ResponseHead}, {@link UpstreamConnection}). */
public final class UpstreamProtocolException extends Exception {
    UpstreamProtocolException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
