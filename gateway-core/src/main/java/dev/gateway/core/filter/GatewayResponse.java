package dev.gateway.core.filter;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;

/** A response a filter answers with instead of forwarding. Immutable; the body is UTF-8 text (usually JSON). */
public record GatewayResponse(HttpResponseStatus status, Map<String, String> headers, String body) {
    public GatewayResponse {
        headers = Map.copyOf(headers);
    }
}
