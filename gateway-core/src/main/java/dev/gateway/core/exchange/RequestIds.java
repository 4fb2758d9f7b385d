package dev.gateway.core.exchange;

import java.util.concurrent.ThreadLocalRandom;

/** X-Request-Id: keeps a valid incoming id, else makes a random 128-bit hex id (no SecureRandom on the loop). */
final class RequestIds {
    private RequestIds() {}

    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final int MAX_LENGTH = 128;

    /**
     * The request's id: its valid {@code X-Request-Id}, else a new random one, which is set on {@code headers} (so
     * the upstream receives it). A String when the client sent it, else an AsciiString.
     */
    static CharSequence ensure(io.netty.handler.codec.http.HttpHeaders headers) {
        String sent = headers.get(dev.gateway.core.http.GatewayHeaders.X_REQUEST_ID);
        if (sent != null && isValid(sent)) {
            return sent;
        }
        io.netty.util.AsciiString id = generate();
        headers.set(dev.gateway.core.http.GatewayHeaders.X_REQUEST_ID, id);
        return id;
    }

    /** 1..128 characters from [A-Za-z0-9._:+=/-]: safe in logs, headers and JSON without escaping. */
    static boolean isValid(String id) {
        int n = id.length();
        if (n == 0 || n > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '=' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** 32 lower-case hex digits, as an AsciiString (written to headers without conversion). */
    static io.netty.util.AsciiString generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        byte[] out = new byte[32];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (hi & 0xf)];
            hi >>>= 4;
        }
        for (int i = 31; i >= 16; i--) {
            out[i] = HEX[(int) (lo & 0xf)];
            lo >>>= 4;
        }
        return new io.netty.util.AsciiString(out, false);
    }
}
