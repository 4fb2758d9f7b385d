package dev.gateway.core.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses the gateway makes itself. Every one has a JSON body
 * {@code {"error":"<code>","message":"<text>","request_id":"<id>"}} and never carries a stack trace or an
 * exception message.
 */
public final class GatewayErrors {
    private GatewayErrors() {}

    /** One kind of gateway-made error: status, stable code and a human message. */
    public record Error(HttpResponseStatus status, String code, String message) {}

    public static final Error BAD_REQUEST = new Error(HttpResponseStatus.BAD_REQUEST, "bad_request",
            "the request is not valid HTTP/1.1");
    public static final Error INVALID_PATH = new Error(HttpResponseStatus.BAD_REQUEST, "invalid_path",
            "the request path is invalid or escapes the root");
    public static final Error URI_TOO_LONG = new Error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long",
            "the request line is longer than the configured limit");
    public static final Error HEADERS_TOO_LARGE = new Error(HttpResponseStatus.valueOf(431),
            "headers_too_large", "the request headers are larger than the configured limit");
    public static final Error PAYLOAD_TOO_LARGE = new Error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "payload_too_large", "the request body is larger than the configured limit");
    public static final Error REQUEST_TIMEOUT = new Error(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
            "the request headers were not received in time");
    public static final Error BODY_TIMEOUT = new Error(HttpResponseStatus.REQUEST_TIMEOUT, "request_timeout",
            "the request body stopped arriving for longer than the idle timeout");
    public static final Error NO_ROUTE = new Error(HttpResponseStatus.NOT_FOUND, "no_route",
            "no route matches the request");
    public static final Error UPSTREAM_TIMEOUT = new Error(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout",
            "the upstream did not respond in time");
    public static final Error UPSTREAM_UNAVAILABLE = new Error(HttpResponseStatus.BAD_GATEWAY,
            "upstream_unavailable", "the upstream refused or closed the connection before responding");
    public static final Error UPSTREAM_BAD_RESPONSE = new Error(HttpResponseStatus.BAD_GATEWAY,
            "upstream_bad_response", "the upstream sent an invalid response");
    public static final Error UPSTREAM_OVERLOADED = new Error(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "upstream_overloaded", "too many requests are waiting for a connection to the upstream");
    public static final Error TOO_MANY_CONNECTIONS = new Error(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "too_many_connections", "the gateway is at its connection limit");
    public static final Error SHUTTING_DOWN = new Error(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down",
            "the gateway is shutting down");
    public static final Error EXPECTATION_FAILED = new Error(HttpResponseStatus.EXPECTATION_FAILED,
            "expectation_failed", "only 100-continue is supported in Expect");
    public static final Error INTERNAL = new Error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal_error",
            "the gateway failed to process the request");

    /** The JSON body for {@code e}; {@code requestId} may be null. */
    public static String body(Error e, String requestId) {
        return body(e.code(), e.message(), requestId);
    }

    public static String body(String code, String message, String requestId) {
        JsonStringEncoder enc = JsonStringEncoder.getInstance();
        StringBuilder sb = new StringBuilder(96 + message.length());
        sb.append("{\"error\":\"").append(enc.quoteAsString(code)).append("\",\"message\":\"")
                .append(enc.quoteAsString(message)).append("\",\"request_id\":");
        if (requestId == null) {
            sb.append("null");
        } else {
            sb.append('"').append(enc.quoteAsString(requestId)).append('"');
        }
        return sb.append("}\n").toString();
    }

    /** A complete response for {@code e}, with Content-Type, Content-Length and X-Request-Id set. */
    public static FullHttpResponse response(ByteBufAllocator alloc, Error e, String requestId) {
        return response(alloc, e.status(), e.code(), e.message(), requestId);
    }

    public static FullHttpResponse response(ByteBufAllocator alloc, HttpResponseStatus status, String code,
            String message, String requestId) {
        String json = body(code, message, requestId);
        ByteBuf buf = alloc.buffer(json.length());
        buf.writeCharSequence(json, StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, GatewayHeaders.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes());
        if (requestId != null) {
            r.headers().set(GatewayHeaders.X_REQUEST_ID, requestId);
        }
        return r;
    }
}
