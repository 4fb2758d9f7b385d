package dev.gateway.loadtest.loadgen;

import java.nio.charset.StandardCharsets;

/** The parts of a request that every maker shares: request line, Host, the user's headers, the body's framing. */
final class RequestHead {
    private RequestHead() {}

    /** Request line, Host, user headers, Content-Length when there is a body (or the method expects one). */
    static StringBuilder head(LoadGenOptions o) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(o.method()).append(' ').append(o.target()).append(" HTTP/1.1\r\n");
        sb.append("Host: ").append(o.hostHeader()).append("\r\n");
        for (LoadGenOptions.Header h : o.headers()) {
            sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
        }
        if (o.body().length > 0 || o.method().equals("POST") || o.method().equals("PUT")
                || o.method().equals("PATCH")) {
            sb.append("Content-Length: ").append(o.body().length).append("\r\n");
        }
        return sb;
    }

    static byte[] latin1(CharSequence s) {
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
