package dev.gateway.core.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code ::1/128}; a bare address is /32 or /128). */
public record Cidr(byte[] network, int prefix, String text) {

    /** Parses a literal CIDR; returns null if malformed. Never does a DNS lookup. */
    public static Cidr parse(String s) {
        String addr = s.trim();
        int prefix = -1;
        int slash = addr.indexOf('/');
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(addr.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (prefix < 0) {
                return null;
            }
            addr = addr.substring(0, slash);
        }
        if (!isLiteral(addr)) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
        int max = bytes.length * 8;
        if (prefix < 0) {
            prefix = max;
        }
        if (prefix > max) {
            return null;
        }
        return new Cidr(bytes, prefix, s.trim());
    }

    /** {@link #parse} for the binder: a malformed CIDR is an {@link IllegalArgumentException} with the message. */
    public static Cidr of(String s) {
        Cidr c = parse(s);
        if (c == null) {
            throw new IllegalArgumentException("expected an IP address or CIDR such as 10.0.0.0/8, found '" + s + "'");
        }
        return c;
    }

    private static boolean isLiteral(String a) {
        if (a.isEmpty()) {
            return false;
        }
        if (a.indexOf(':') >= 0) {
            return a.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        String[] octets = a.split("\\.", -1);
        if (octets.length != 4) {
            return false;
        }
        for (String o : octets) {
            if (o.isEmpty() || o.length() > 3 || !o.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(o) > 255) {
                return false;
            }
        }
        return true;
    }

    public boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (address[full] & mask) == (network[full] & mask);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
