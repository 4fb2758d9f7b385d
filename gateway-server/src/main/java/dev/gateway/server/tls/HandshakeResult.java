package dev.gateway.server.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/** The outcome of one TLS handshake, the {@code result} tag of {@code gateway_tls_handshakes_total}. */
public enum HandshakeResult {
    OK, UNKNOWN_SNI, NO_SHARED_CIPHER, BAD_CERTIFICATE, TIMEOUT, PLAINTEXT, PROTOCOL, CLOSED, OTHER;

    /** The tag value: {@code ok}, {@code unknown_sni}, ... */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What a failed handshake's cause says, by type and by the provider's reason text (OpenSSL's or the JDK's). */
    static HandshakeResult of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UnknownSniException) {
                return UNKNOWN_SNI;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof NotSslRecordException) {
                return PLAINTEXT;
            }
            if (t instanceof ClosedChannelException) {
                return CLOSED;
            }
        }
        String m = String.valueOf(cause.getMessage()).toUpperCase(Locale.ROOT);
        if (m.contains("NO_SHARED_CIPHER") || m.contains("NO SHARED CIPHER") || m.contains("NO_CIPHER")
                || m.contains("NO APPROPRIATE CIPHER")) {
            return NO_SHARED_CIPHER;
        }
        if (m.contains("CERTIFICATE") || m.contains("PEER_DID_NOT_RETURN") || m.contains("CERT_")
                || m.contains("PKIX") || m.contains("EMPTY CLIENT CERT")) {
            return BAD_CERTIFICATE;
        }
        if (m.contains("PROTOCOL") || m.contains("VERSION") || m.contains("WRONG_VERSION")) {
            return PROTOCOL;
        }
        return OTHER;
    }
}
