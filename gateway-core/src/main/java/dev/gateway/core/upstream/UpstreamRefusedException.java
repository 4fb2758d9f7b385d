package dev.gateway.core.upstream;

import java.io.IOException;

/**
 * The upstream did not process the request: an HTTP/2 stream it refused (RST_STREAM REFUSED_STREAM) or one above the
 * last stream id of its GOAWAY (RFC 9113 8.7). Sending the request again is safe, whatever its method.
 */
public final class UpstreamRefusedException extends IOException {
    public UpstreamRefusedException(String message) {
        super(message);
    }
}
