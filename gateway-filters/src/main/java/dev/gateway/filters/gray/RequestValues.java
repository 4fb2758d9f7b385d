package dev.gateway.filters.gray;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/** Reads one cookie or one query parameter by scanning, without parsing the rest. */
final class RequestValues {
    private RequestValues() {}

    /** The value of cookie {@code name} in the request's Cookie header(s), or null. */
    static String cookie(HttpHeaders headers, String name) {
        String all = headers.get(HttpHeaderNames.COOKIE);
        if (all == null) {
            return null;
        }
        int n = all.length();
        int i = 0;
        while (i < n) {
            while (i < n && (all.charAt(i) == ' ' || all.charAt(i) == ';')) {
                i++;
            }
            int end = all.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int eq = all.indexOf('=', i);
            if (eq > i && eq < end && eq - i == name.length() && all.regionMatches(i, name, 0, name.length())) {
                int vs = eq + 1;
                int ve = end;
                while (ve > vs && all.charAt(ve - 1) == ' ') {
                    ve--;
                }
                if (ve - vs >= 2 && all.charAt(vs) == '"' && all.charAt(ve - 1) == '"') {
                    vs++;
                    ve--;
                }
                return all.substring(vs, ve);
            }
            i = end + 1;
        }
        return null;
    }

    /** The first value of query parameter {@code name} (percent-decoded) in a raw query, or null. */
    static String query(String query, String name) {
        if (query == null) {
            return null;
        }
        int n = query.length();
        int i = 0;
        while (i < n) {
            int end = query.indexOf('&', i);
            if (end < 0) {
                end = n;
            }
            int eq = query.indexOf('=', i);
            int keyEnd = eq >= 0 && eq < end ? eq : end;
            if (keyEnd - i == name.length() && query.regionMatches(i, name, 0, name.length())) {
                String v = keyEnd == end ? "" : query.substring(keyEnd + 1, end);
                return v.indexOf('%') >= 0 || v.indexOf('+') >= 0
                        ? QueryStringDecoder.decodeComponent(v, StandardCharsets.UTF_8) : v;
            }
            i = end + 1;
        }
        return null;
    }
}
