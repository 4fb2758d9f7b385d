package dev.gateway.core.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * One kind of response the gateway makes itself: status, a stable machine-readable code, a human message and the
 * extra headers it carries (a 401's {@code WWW-Authenticate}, a 429's {@code Retry-After}). Immutable: expected
 * refusals are built once, when a filter is compiled, and returned as they are. {@link ErrorResponder} turns one into
 * the JSON response, adding the request id.
 */
public record GatewayError(HttpResponseStatus status, String code, String message, List<Header> headers,
        List<Field> fields) {

    /** One more string member of the JSON body, after {@code request_id}: a hint built for one response. */
    public record Field(String name, String value) {}

    public GatewayError {
        headers = List.copyOf(headers);
        fields = List.copyOf(fields);
    }

    public GatewayError(HttpResponseStatus status, String code, String message, List<Header> headers) {
        this(status, code, message, headers, List.of());
    }

    public GatewayError(HttpResponseStatus status, String code, String message) {
        this(status, code, message, List.of());
    }

    public GatewayError(int status, String code, String message) {
        this(HttpResponseStatus.valueOf(status), code, message, List.of());
    }

    /** The same error with one more header. */
    public GatewayError withHeader(String name, String value) {
        Header[] more = headers.toArray(new Header[headers.size() + 1]);
        more[headers.size()] = new Header(name, value);
        return new GatewayError(status, code, message, List.of(more), fields);
    }

    /** The same error with one more member in its JSON body (built per response: for refusals only). */
    public GatewayError withField(String name, String value) {
        Field[] more = fields.toArray(new Field[fields.size() + 1]);
        more[fields.size()] = new Field(name, value);
        return new GatewayError(status, code, message, headers, List.of(more));
    }
}
