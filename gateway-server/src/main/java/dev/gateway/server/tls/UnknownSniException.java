package dev.gateway.server.tls;

import javax.net.ssl.SSLHandshakeException;

/** strict-sni: no certificate serves the name the client asked for (or it asked for none). */
final class UnknownSniException extends SSLHandshakeException {
    private static final long serialVersionUID = 1L;

    UnknownSniException(String hostname) {
        super(hostname == null ? "the client sent no SNI name and strict-sni is on"
                : "no certificate serves the SNI name '" + hostname + "' and strict-sni is on");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // an expected outcome, made per refused handshake: no stack to fill
    }
}
