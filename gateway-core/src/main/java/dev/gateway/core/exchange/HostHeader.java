package dev.gateway.core.exchange;

import io.netty.util.NetUtil;

/**
 * The syntax of a Host field value (RFC 9110 7.2: {@code uri-host [ ":" port ]}, RFC 3986 3.2.2): a reg-name
 * (unreserved, sub-delims and percent-escapes; an IPv4 address is one), or an IPv6 literal in brackets, then an
 * optional port of at most five digits. Userinfo, paths, backslashes, spaces, quotes and anything outside ASCII are
 * not part of it. The empty value is valid (a target URI without authority, RFC 9112 3.2).
 */
final class HostHeader {
    private HostHeader() {}

    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            REG_NAME[c] = true;
            REG_NAME[c - 'a' + 'A'] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            REG_NAME[c] = true;
        }
        for (char c : "-._~!$&'()*+,;=".toCharArray()) {
            REG_NAME[c] = true;
        }
    }

    static boolean isValid(String host) {
        int n = host.length();
        int i = 0;
        if (n > 0 && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            if (close < 0 || !NetUtil.isValidIpV6Address(host.substring(0, close + 1))) {
                return false;
            }
            i = close + 1;
        } else {
            for (; i < n; i++) {
                char c = host.charAt(i);
                if (c == ':') {
                    break;
                }
                if (c == '%') {
                    if (i + 2 >= n || !isHex(host.charAt(i + 1)) || !isHex(host.charAt(i + 2))) {
                        return false;
                    }
                    i += 2;
                } else if (c >= 128 || !REG_NAME[c]) {
                    return false;
                }
            }
            if (i == 0 && n > 0) {
                return false; // a port without a host
            }
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':' || n - i - 1 > 5) {
            return false;
        }
        for (int j = i + 1; j < n; j++) {
            char c = host.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
}
