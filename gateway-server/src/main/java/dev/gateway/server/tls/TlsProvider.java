package dev.gateway.server.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/**
 * Which TLS implementation serves: OpenSSL (BoringSSL, from {@code netty-tcnative-boringssl-static}) when its native
 * library loads on this machine, else the JDK's. Decided once per process.
 */
public final class TlsProvider {
    private static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

    private TlsProvider() {}

    public static SslProvider provider() {
        return PROVIDER;
    }

    /** For the start-up line and /admin/config: {@code openssl (BoringSSL)} or {@code jdk (... why not OpenSSL)}. */
    public static String description() {
        if (PROVIDER == SslProvider.OPENSSL) {
            return "openssl (" + OpenSsl.versionString() + ")";
        }
        Throwable why = OpenSsl.unavailabilityCause();
        return "jdk (OpenSSL unavailable: " + (why == null ? "unknown" : why.getMessage()) + ")";
    }
}
