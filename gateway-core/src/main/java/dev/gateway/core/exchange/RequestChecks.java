package dev.gateway.core.exchange;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.HopByHop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;

/** Checks of a request head the decoder accepted, before it is routed. Each failure closes the connection. */
final class RequestChecks {
    private RequestChecks() {}

    /**
     * The error for {@code request}, or null: Host (RFC 9112 3.2, one field, valid syntax), Content-Length limit, Expect. The caller passes
     * the header values it read anyway ({@code host}, {@code contentLength} or -1, {@code expect}), so that no header
     * is looked up twice on the request path.
     */
    static GatewayError check(HttpRequest request, String host, long contentLength, String expect,
            long maxBodySize) {
        // Exactly one Host header on HTTP/1.1.
        if (request.protocolVersion().minorVersion() != 0
                && (host == null || HopByHop.hasSeveral(request.headers(), HttpHeaderNames.HOST))) {
            return GatewayErrors.BAD_REQUEST;
        }
        if (host != null && !HostHeader.isValid(host)) {
            return GatewayErrors.INVALID_HOST;
        }
        if (contentLength > maxBodySize) {
            return GatewayErrors.PAYLOAD_TOO_LARGE;
        }
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            return GatewayErrors.EXPECTATION_FAILED;
        }
        return null;
    }
}
