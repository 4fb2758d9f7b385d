package dev.gateway.core.exchange;

import dev.gateway.core.config.TracingConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent}, {@code tracestate}): a valid incoming traceparent is passed upstream
 * unchanged with its tracestate; an invalid one is dropped with its tracestate; when none is left and the
 * configuration says so, a new one is started ({@code 00-<trace-id>-<parent-id>-<flags>}).
 */
final class Traceparent {
    private Traceparent() {}

    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Validates, drops or starts the traceparent in {@code h}; returns the one sent upstream, or null. */
    static String ensure(HttpHeaders h, TracingConfig config) {
        String tp = h.get(TRACEPARENT);
        if (tp != null) {
            if (isValid(tp)) {
                return tp;
            }
            h.remove(TRACEPARENT);
            h.remove(TRACESTATE);
        }
        if (!config.startTraceparent()) {
            return null;
        }
        String generated = generate(config.sampled());
        h.set(TRACEPARENT, generated);
        return generated;
    }

    /** The 32-hex trace id of a valid traceparent, or null. */
    static String traceId(String traceparent) {
        return traceparent == null ? null : traceparent.substring(3, 35);
    }

    /**
     * version "-" trace-id(32 hex) "-" parent-id(16 hex) "-" flags(2 hex), lower-case; version ff is invalid; version
     * 00 is exactly 55 characters, later versions may append fields after a '-'; all-zero ids are invalid.
     */
    static boolean isValid(String tp) {
        int n = tp.length();
        if (n < 55 || tp.charAt(2) != '-' || tp.charAt(35) != '-' || tp.charAt(52) != '-') {
            return false;
        }
        if (!hex(tp, 0, 2) || !hex(tp, 3, 35) || !hex(tp, 36, 52) || !hex(tp, 53, 55)) {
            return false;
        }
        if (tp.startsWith("ff")) {
            return false;
        }
        if (tp.startsWith("00") ? n != 55 : n > 55 && tp.charAt(55) != '-') {
            return false;
        }
        return !zeros(tp, 3, 35) && !zeros(tp, 36, 52);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    static String generate(boolean sampled) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[55];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        long a;
        long b;
        do {
            a = r.nextLong();
            b = r.nextLong();
        } while (a == 0 && b == 0);
        writeHex(out, 3, a);
        writeHex(out, 19, b);
        out[35] = '-';
        long p;
        do {
            p = r.nextLong();
        } while (p == 0);
        writeHex(out, 36, p);
        out[52] = '-';
        out[53] = '0';
        out[54] = sampled ? '1' : '0';
        return new String(out);
    }

    private static void writeHex(char[] out, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
