package dev.gateway.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Gateway-made errors for gRPC clients. A gRPC client reads the outcome of a call from {@code grpc-status}, not from the
 * HTTP status, so on a request whose {@code content-type} is {@code application/grpc*} an error the gateway makes is
 * sent as the gRPC protocol's "trailers-only" response: HTTP 200 with {@code grpc-status}, {@code grpc-message} and no
 * body. The HTTP status the error would have had picks the code: 401 UNAUTHENTICATED (16), 403 PERMISSION_DENIED (7),
 * 429 RESOURCE_EXHAUSTED (8), 503 UNAVAILABLE (14), 504 DEADLINE_EXCEEDED (4); the others follow the table of the gRPC
 * project's http-grpc-status-mapping.md (400 INTERNAL, 404 UNIMPLEMENTED, 502 UNAVAILABLE, else UNKNOWN), with 413 and
 * 431 as RESOURCE_EXHAUSTED and 408 as DEADLINE_EXCEEDED.
 */
public final class GrpcStatus {
    public static final int DEADLINE_EXCEEDED = 4;
    public static final int UNKNOWN = 2;
    private static final Header CONTENT_TYPE = new Header("content-type", "application/grpc");

    private GrpcStatus() {}

    /** True if the request is a gRPC call: its content type is {@code application/grpc} or a subtype. */
    public static boolean isGrpc(HttpHeaders requestHeaders) {
        String type = requestHeaders.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "application/grpc", 0, 16)
                && (type.length() == 16 || type.charAt(16) == '+' || type.charAt(16) == ';');
    }

    /** The gRPC status code for a gateway error of HTTP status {@code httpStatus}. */
    public static int code(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 408, 504 -> DEADLINE_EXCEEDED;
            case 413, 429, 431 -> 8; // RESOURCE_EXHAUSTED
            case 502, 503 -> 14; // UNAVAILABLE
            default -> UNKNOWN;
        };
    }

    /** The trailers-only answer for {@code e}: its code and message as grpc-message, its own headers kept. */
    public static GatewayResponse respond(GatewayError e, CharSequence requestId) {
        return trailersOnly(e.status().code(), e.code() + ": " + e.message(), e.headers(), requestId);
    }

    /**
     * A filter's own answer on a gRPC call: a 4xx or 5xx becomes trailers-only (its headers kept, its body dropped);
     * anything else goes out as it is.
     */
    public static GatewayResponse adapt(GatewayResponse r, CharSequence requestId) {
        int status = r.status().code();
        if (status < 400 || r.header("grpc-status") != null) {
            return r;
        }
        List<Header> kept = new ArrayList<>(r.headers().size());
        for (Header h : r.headers()) {
            if (!h.name().equalsIgnoreCase("content-type") && !h.name().equalsIgnoreCase("content-length")
                    && !h.name().equalsIgnoreCase("x-request-id")) {
                kept.add(h);
            }
        }
        return trailersOnly(status, "HTTP " + status + " " + r.status().reasonPhrase(), kept, requestId);
    }

    private static GatewayResponse trailersOnly(int httpStatus, String message, List<Header> extra,
            CharSequence requestId) {
        List<Header> headers = new ArrayList<>(extra.size() + 4);
        headers.add(CONTENT_TYPE);
        headers.add(new Header("grpc-status", Integer.toString(code(httpStatus))));
        headers.add(new Header("grpc-message", percentEncode(message)));
        if (requestId != null) {
            headers.add(new Header("x-request-id", requestId.toString()));
        }
        headers.addAll(extra);
        return new GatewayResponse(HttpResponseStatus.OK, headers, new byte[0]);
    }

    /**
     * {@code grpc-message} as the gRPC HTTP/2 protocol spells it: UTF-8, with every byte outside printable ASCII
     * (0x20-0x7E) and '%' itself written as %XX.
     */
    static String percentEncode(String message) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length + 8);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
