package dev.gateway.core.auth;

import java.util.List;

/**
 * The parsed value of an {@code Authorization} or {@code Proxy-Authorization} header of the form
 * {@code hmac username="<app key>", algorithm="hmac-sha256", headers="x-date request-line", signature="<base64>"}.
 * The scheme word is case-insensitive and the parameters may come in any order (Kong requires its own order).
 */
public record HmacCredentials(String username, HmacAlgorithm algorithm, List<String> headers, String signature) {

    public HmacCredentials {
        headers = List.copyOf(headers);
    }

    /** Why a header could not be parsed. */
    public enum Problem { NOT_HMAC, MALFORMED, UNSUPPORTED_ALGORITHM }

    /** Either credentials or the problem. */
    public record Parsed(HmacCredentials credentials, Problem problem) {}

    private static final Parsed NOT_HMAC = new Parsed(null, Problem.NOT_HMAC);
    private static final Parsed MALFORMED = new Parsed(null, Problem.MALFORMED);
    private static final Parsed UNSUPPORTED = new Parsed(null, Problem.UNSUPPORTED_ALGORITHM);

    /**
     * Parses a header value. Parameters: {@code username} and {@code signature} are required; {@code algorithm}
     * defaults to hmac-sha256; {@code headers} (space-separated, lower-cased here) defaults to {@code date}.
     * Duplicate or unknown parameters, missing quotes or an empty value are {@link Problem#MALFORMED}.
     */
    public static Parsed parse(String value) {
        if (value == null) {
            return NOT_HMAC;
        }
        String v = value.strip();
        if (v.length() < 5 || !v.regionMatches(true, 0, "hmac", 0, 4) || v.charAt(4) != ' ') {
            return NOT_HMAC;
        }
        String username = null;
        String algorithm = null;
        String headers = null;
        String signature = null;
        int i = 5;
        int n = v.length();
        while (true) {
            while (i < n && v.charAt(i) == ' ') {
                i++;
            }
            int eq = v.indexOf('=', i);
            if (eq < 0) {
                return MALFORMED;
            }
            String name = v.substring(i, eq).strip().toLowerCase(java.util.Locale.ROOT);
            if (eq + 1 >= n || v.charAt(eq + 1) != '"') {
                return MALFORMED;
            }
            int close = v.indexOf('"', eq + 2);
            if (close < 0) {
                return MALFORMED;
            }
            String val = v.substring(eq + 2, close);
            switch (name) {
                case "username" -> {
                    if (username != null) {
                        return MALFORMED;
                    }
                    username = val;
                }
                case "algorithm" -> {
                    if (algorithm != null) {
                        return MALFORMED;
                    }
                    algorithm = val;
                }
                case "headers" -> {
                    if (headers != null) {
                        return MALFORMED;
                    }
                    headers = val;
                }
                case "signature" -> {
                    if (signature != null) {
                        return MALFORMED;
                    }
                    signature = val;
                }
                default -> {
                    return MALFORMED;
                }
            }
            i = close + 1;
            while (i < n && v.charAt(i) == ' ') {
                i++;
            }
            if (i >= n) {
                break;
            }
            if (v.charAt(i) != ',') {
                return MALFORMED;
            }
            i++;
        }
        if (username == null || username.isEmpty() || signature == null || signature.isEmpty()) {
            return MALFORMED;
        }
        HmacAlgorithm alg = algorithm == null ? HmacAlgorithm.HMAC_SHA256 : HmacAlgorithm.fromWire(algorithm);
        if (alg == null) {
            return UNSUPPORTED;
        }
        List<String> names = headers == null ? List.of("date") : names(headers);
        if (names == null) {
            return MALFORMED;
        }
        return new Parsed(new HmacCredentials(username, alg, names, signature), null);
    }

    /**
     * The lower-cased names of a {@code headers} parameter, separated by one or more spaces; null when there is none.
     * (A loop, not {@code split(" +")}, which compiles a regular expression on every call.)
     */
    private static List<String> names(String headers) {
        String v = headers.toLowerCase(java.util.Locale.ROOT);
        java.util.ArrayList<String> names = new java.util.ArrayList<>(4);
        int n = v.length();
        int i = 0;
        while (i < n) {
            while (i < n && v.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && v.charAt(i) != ' ') {
                i++;
            }
            if (i > start) {
                names.add(v.substring(start, i));
            }
        }
        return names.isEmpty() ? null : List.copyOf(names);
    }

    @Override
    public String toString() {
        // Never print the signature.
        return "HmacCredentials[username=" + username + ", algorithm=" + algorithm.wireName() + ", headers="
                + headers + "]";
    }
}
