package dev.gateway.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * A complete response the gateway answers with instead of forwarding: a filter's answer (a CORS preflight), a mock,
 * or an error built by {@link ErrorResponder}. Immutable and safe to share: a response built once (at compile time)
 * can be returned for every request. Headers may repeat; the body is bytes (binary or text).
 */
public final class GatewayResponse {
    private final HttpResponseStatus status;
    private final List<Header> headers;
    private final byte[] body;

    public GatewayResponse(HttpResponseStatus status, List<Header> headers, byte[] body) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body.clone();
    }

    /** A response with a UTF-8 text body. */
    public static GatewayResponse text(HttpResponseStatus status, List<Header> headers, String body) {
        return new GatewayResponse(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponseStatus status() {
        return status;
    }

    public List<Header> headers() {
        return headers;
    }

    /** The first value of header {@code name} (case-insensitive), or null. */
    public String header(String name) {
        for (Header h : headers) {
            if (h.name().equalsIgnoreCase(name)) {
                return h.value();
            }
        }
        return null;
    }

    public int bodyLength() {
        return body.length;
    }

    /** A copy of the body. */
    public byte[] body() {
        return body.clone();
    }

    /** The body decoded as UTF-8 (for text bodies and tests). */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Appends the body to {@code out} without copying it first. */
    public void writeBody(ByteBuf out) {
        out.writeBytes(body);
    }

    @Override
    public String toString() {
        return "GatewayResponse[" + status.code() + ", headers=" + headers + ", body=" + body.length + " bytes]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GatewayResponse r && status.equals(r.status) && headers.equals(r.headers)
                && Arrays.equals(body, r.body);
    }

    @Override
    public int hashCode() {
        return (status.hashCode() * 31 + headers.hashCode()) * 31 + Arrays.hashCode(body);
    }
}
