package dev.gateway.core.config;

/** A listen or connect address as configured: host (name or literal) and port. */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}, {@code [v6]:port}, {@code :port} or {@code port}; null if malformed. */
    public static HostPort parse(String s, String defaultHost) {
        String host = defaultHost;
        String port = s;
        if (s.startsWith("[")) {
            int end = s.indexOf("]:");
            if (end < 0) {
                return null;
            }
            host = s.substring(1, end);
            port = s.substring(end + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0) {
                if (colon > 0) {
                    host = s.substring(0, colon);
                }
                port = s.substring(colon + 1);
            }
        }
        try {
            int p = Integer.parseInt(port);
            if (p < 0 || p > 65535 || host == null || host.isEmpty()) {
                return null;
            }
            return new HostPort(host, p);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@link #parse} for the binder: {@code :port} keeps the host of {@code def}. */
    public static HostPort of(String s, HostPort def) {
        HostPort hp = parse(s.trim(), def == null ? "0.0.0.0" : def.host());
        if (hp == null) {
            throw new IllegalArgumentException("expected host:port with a port in 0..65535, found '" + s + "'");
        }
        return hp;
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
