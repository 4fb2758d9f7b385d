package dev.gateway.core.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.net.ssl.SSLException;

/**
 * The TLS client side of one https endpoint: one {@link SslContext}, built when a configuration is loaded (never on an
 * event loop) and shared by the connections of every loop, so that the provider's client session cache resumes
 * sessions across them. OpenSSL (BoringSSL through netty-tcnative) when available, else the JDK provider.
 *
 * <p>Verification is on unless switched off: the peer's chain must lead to the configured CA (or a system CA) and its
 * certificate must name the host (endpoint identification "HTTPS") we asked for by SNI. Immutable.
 */
public final class UpstreamTls {
    private final SslContext context;
    private final String sni;

    private UpstreamTls(SslContext context, String sni) {
        this.context = context;
        this.sni = sni;
    }

    /** The TLS provider client contexts use: {@code openssl} (netty-tcnative) when it loaded, else {@code jdk}. */
    public static String provider() {
        return OpenSsl.isAvailable() ? "openssl" : "jdk";
    }

    /** The PEM contents of the files an upstream's {@code tls:} names (each may be null), read at load. */
    public record Material(byte[] ca, byte[] clientCert, byte[] clientKey) {
        /** A digest of the contents, part of the endpoint's identity: changed files make a new endpoint. */
        public String digest() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                for (byte[] b : new byte[][] {ca, clientCert, clientKey}) {
                    md.update(b == null ? new byte[] {0} : b);
                    md.update((byte) '|');
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * Builds the client context. {@code sni}: the name sent by SNI and verified in the certificate (null: the target
     * host). {@code h2}: offer only {@code h2} by ALPN.
     *
     * @throws SSLException (or IllegalArgumentException) when the CA, certificate or key cannot be used
     */
    public static UpstreamTls build(Material m, boolean verify, String sni, boolean h2)
            throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2");
        if (!verify) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            if (m.ca() != null) {
                b.trustManager(new ByteArrayInputStream(m.ca()));
            }
            b.endpointIdentificationAlgorithm("HTTPS");
        }
        if (m.clientCert() != null) {
            b.keyManager(new ByteArrayInputStream(m.clientCert()), new ByteArrayInputStream(m.clientKey()));
        }
        if (h2) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ApplicationProtocolNames.HTTP_2));
        }
        return new UpstreamTls(b.build(), sni);
    }

    /**
     * A handler for a new connection to {@code key}'s host: SNI and the name verified are {@code sni} or the host (an
     * IP literal is verified against the certificate's IP addresses and sent without SNI). The handshake must end
     * within {@code timeoutMillis}.
     */
    SslHandler newHandler(ByteBufAllocator alloc, Endpoint.Key key, long timeoutMillis) {
        SslHandler h = context.newHandler(alloc, sni != null ? sni : key.host(), key.port());
        h.setHandshakeTimeoutMillis(timeoutMillis);
        return h;
    }

    /** The context's client session cache (OpenSSL or JDK), for tests of resumption. */
    public SslContext context() {
        return context;
    }
}
