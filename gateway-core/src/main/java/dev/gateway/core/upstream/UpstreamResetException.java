package dev.gateway.core.upstream;

import java.io.IOException;

/** The upstream reset an HTTP/2 stream (RST_STREAM other than a refusal): like a connection closed mid-exchange. */
public final class UpstreamResetException extends IOException {
    public UpstreamResetException(String message) {
        super(message);
    }
}
