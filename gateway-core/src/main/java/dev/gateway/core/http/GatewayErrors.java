package dev.gateway.core.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The errors the gateway answers with itself, and their JSON body
 * {@code {"error":"<code>","message":"<text>","request_id":"<id>"}}. A body never carries a stack trace or an
 * exception message. Turned into responses by {@link ErrorResponder}.
 */
public final class GatewayErrors {
    private GatewayErrors() {}

    public static final GatewayError BAD_REQUEST = new GatewayError(HttpResponseStatus.BAD_REQUEST, "bad_request",
            "the request is not valid HTTP/1.1");
    public static final GatewayError INVALID_PATH = new GatewayError(HttpResponseStatus.BAD_REQUEST, "invalid_path",
            "the request path is invalid or escapes the root");
    public static final GatewayError INVALID_HOST = new GatewayError(HttpResponseStatus.BAD_REQUEST, "invalid_host",
            "the Host header is not a valid host[:port]");
    public static final GatewayError VERSION_NOT_SUPPORTED = new GatewayError(
            HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "http_version_not_supported",
            "only HTTP/1.1 and HTTP/1.0 are served on this listener");
    public static final GatewayError URI_TOO_LONG = new GatewayError(HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "uri_too_long", "the request line is longer than the configured limit");
    public static final GatewayError HEADERS_TOO_LARGE = new GatewayError(HttpResponseStatus.valueOf(431),
            "headers_too_large", "the request headers are larger than the configured limit");
    public static final GatewayError PAYLOAD_TOO_LARGE = new GatewayError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "payload_too_large", "the request body is larger than the configured limit");
    public static final GatewayError REQUEST_TIMEOUT = new GatewayError(HttpResponseStatus.REQUEST_TIMEOUT,
            "request_timeout", "the request headers were not received in time");
    public static final GatewayError BODY_TIMEOUT = new GatewayError(HttpResponseStatus.REQUEST_TIMEOUT,
            "request_timeout", "the request body stopped arriving for longer than the idle timeout");
    public static final GatewayError NO_ROUTE = new GatewayError(HttpResponseStatus.NOT_FOUND, "no_route",
            "no route matches the request");
    public static final GatewayError UPSTREAM_TIMEOUT = new GatewayError(HttpResponseStatus.GATEWAY_TIMEOUT,
            "upstream_timeout", "the upstream did not respond in time");
    public static final GatewayError UPSTREAM_UNAVAILABLE = new GatewayError(HttpResponseStatus.BAD_GATEWAY,
            "upstream_unavailable", "the upstream refused or closed the connection before responding");
    public static final GatewayError UPSTREAM_BAD_RESPONSE = new GatewayError(HttpResponseStatus.BAD_GATEWAY,
            "upstream_bad_response", "the upstream sent an invalid response");
    public static final GatewayError UPSTREAM_TLS_ERROR = new GatewayError(HttpResponseStatus.BAD_GATEWAY,
            "upstream_tls_error", "the TLS handshake with the upstream failed");
    public static final GatewayError UPSTREAM_OVERLOADED = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "upstream_overloaded", "too many requests are waiting for a connection to the upstream");
    public static final GatewayError UPSTREAM_CIRCUIT_OPEN = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "upstream_circuit_open", "every target of the upstream has its circuit breaker open");
    public static final GatewayError NO_HEALTHY_UPSTREAM = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "no_healthy_upstream", "no target of the upstream is healthy");
    public static final GatewayError TOO_MANY_CONNECTIONS = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "too_many_connections", "the gateway is at its connection limit");
    public static final GatewayError EXPECTATION_FAILED = new GatewayError(HttpResponseStatus.EXPECTATION_FAILED,
            "expectation_failed", "only 100-continue is supported in Expect");
    public static final GatewayError FILTER_TIMEOUT = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "filter_timeout", "the route's filters did not finish within the filter timeout");
    public static final GatewayError DEPENDENCY_TIMEOUT = new GatewayError(HttpResponseStatus.GATEWAY_TIMEOUT,
            "dependency_timeout", "a service the gateway depends on did not answer in time");
    public static final GatewayError DEPENDENCY_UNAVAILABLE = new GatewayError(HttpResponseStatus.BAD_GATEWAY,
            "dependency_unavailable", "a service the gateway depends on could not be reached");
    public static final GatewayError METADATA_UNAVAILABLE = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "metadata_unavailable", "app metadata could not be read; try again");
    public static final GatewayError OVERLOADED = new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
            "overloaded", "the gateway is overloaded");
    public static final GatewayError NESTED_BATCH = new GatewayError(HttpResponseStatus.BAD_REQUEST, "nested_batch",
            "a batch item may not call a batch route");
    /** server.redirect-to-https: a cleartext request other than GET or HEAD (a redirect would lose its body). */
    public static final GatewayError HTTPS_REQUIRED = new GatewayError(HttpResponseStatus.FORBIDDEN, "https_required",
            "this gateway serves this request over https only");
    public static final GatewayError INTERNAL = new GatewayError(HttpResponseStatus.INTERNAL_SERVER_ERROR,
            "internal_error", "the gateway failed to process the request");

    /** The JSON body for {@code e}; {@code requestId} may be null. */
    public static String body(GatewayError e, CharSequence requestId) {
        String body = body(e.code(), e.message(), requestId);
        if (e.fields().isEmpty()) {
            return body;
        }
        JsonStringEncoder enc = JsonStringEncoder.getInstance();
        StringBuilder sb = new StringBuilder(body.length() + 64).append(body, 0, body.length() - 2); // "}\n"
        for (GatewayError.Field f : e.fields()) {
            sb.append(",\"").append(enc.quoteAsString(f.name())).append("\":\"").append(enc.quoteAsString(f.value()))
                    .append('"');
        }
        return sb.append("}\n").toString();
    }

    public static String body(String code, String message, CharSequence requestId) {
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
}
