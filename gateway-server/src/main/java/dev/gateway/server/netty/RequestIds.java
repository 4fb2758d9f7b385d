package dev.gateway.server.netty;

import java.util.concurrent.ThreadLocalRandom;

/** X-Request-Id: keeps a valid incoming id, else makes a random 128-bit hex id (no SecureRandom on the loop). */
final class RequestIds {
    private RequestIds() {}

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    static final int MAX_LENGTH = 128;

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

    static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong();
        char[] out = new char[32];
        for (int i = 15; i >= 0; i--) {
            out[i] = HEX[(int) (hi & 0xf)];
            hi >>>= 4;
        }
        for (int i = 31; i >= 16; i--) {
            out[i] = HEX[(int) (lo & 0xf)];
            lo >>>= 4;
        }
        return new String(out);
    }
}
