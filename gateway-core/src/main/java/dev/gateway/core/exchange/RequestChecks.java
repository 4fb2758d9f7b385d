package dev.gateway.core.exchange;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.HopByHop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/** Checks of a request head the decoder accepted, before it is routed. Each failure closes the connection. */
final class RequestChecks {
    private RequestChecks() {}

    /** The error for {@code request}, or null: Host (RFC 9112 3.2), Content-Length limit, Expect. */
    static GatewayError check(HttpRequest request, long maxBodySize) {
        HttpHeaders h = request.headers();
        boolean http10 = request.protocolVersion().minorVersion() == 0;
        // Exactly one Host header on HTTP/1.1.
        if (!http10 && (!h.contains(HttpHeaderNames.HOST) || HopByHop.hasSeveral(h, HttpHeaderNames.HOST))) {
            return GatewayErrors.BAD_REQUEST;
        }
        if (HttpUtil.getContentLength(request, -1L) > maxBodySize) {
            return GatewayErrors.PAYLOAD_TOO_LARGE;
        }
        String expect = h.get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            return GatewayErrors.EXPECTATION_FAILED;
        }
        return null;
    }
}
