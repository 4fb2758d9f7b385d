package dev.gateway.core.auth;

import java.util.Locale;

/** The HMAC algorithms of the {@code algorithm} credential parameter. */
public enum HmacAlgorithm {
    HMAC_SHA1("hmac-sha1", "HmacSHA1"),
    HMAC_SHA256("hmac-sha256", "HmacSHA256"),
    HMAC_SHA384("hmac-sha384", "HmacSHA384"),
    HMAC_SHA512("hmac-sha512", "HmacSHA512");

    private final String wireName;
    private final String jcaName;

    HmacAlgorithm(String wireName, String jcaName) {
        this.wireName = wireName;
        this.jcaName = jcaName;
    }

    /** As written in the header, e.g. {@code hmac-sha256}. */
    public String wireName() {
        return wireName;
    }

    String jcaName() {
        return jcaName;
    }

    /** The algorithm for a header value (case-insensitive), or null if unknown. */
    public static HmacAlgorithm fromWire(String s) {
        String v = s.toLowerCase(Locale.ROOT);
        for (HmacAlgorithm a : values()) {
            if (a.wireName.equals(v)) {
                return a;
            }
        }
        return null;
    }
}
