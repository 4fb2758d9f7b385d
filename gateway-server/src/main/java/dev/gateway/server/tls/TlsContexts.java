package dev.gateway.server.tls;

import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.TlsConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS contexts of one configuration: one {@link SslContext} per certificate, and the SNI choice among them (exact
 * host, then {@code *.suffix} of the name's parent, then the first certificate unless strict-sni). Built off the event
 * loops, at start and on each reload; immutable once built, so a reload publishes a new one by reference and the open
 * connections keep the context (and session) they were accepted with.
 */
public final class TlsContexts {
    private static final Logger logger = LoggerFactory.getLogger(TlsContexts.class);
    /** A certificate this close to its end is reported at load (WARN), as the issue asks. */
    static final Duration EXPIRY_WARNING = Duration.ofDays(14);

    /** One certificate as served: its hosts, its leaf, and its context. */
    public record Served(List<String> hosts, X509Certificate leaf, SslContext context) {}

    private final TlsConfig config;
    private final List<Served> served;
    private final Map<String, SslContext> exact;
    private final Map<String, SslContext> wildcard;

    private TlsContexts(TlsConfig config, List<Served> served) {
        this.config = config;
        this.served = List.copyOf(served);
        Map<String, SslContext> e = new HashMap<>();
        Map<String, SslContext> w = new HashMap<>();
        for (Served s : served) {
            for (String h : s.hosts()) {
                if (h.startsWith("*.")) {
                    w.putIfAbsent(h.substring(2), s.context());
                } else {
                    e.putIfAbsent(h, s.context());
                }
            }
        }
        this.exact = Map.copyOf(e);
        this.wildcard = Map.copyOf(w);
    }

    public TlsConfig config() {
        return config;
    }

    public List<Served> served() {
        return served;
    }

    /**
     * The context for the SNI name {@code hostname} (null when the client sent none), or null when none serves it
     * and strict-sni is on. Called on the event loop: two hash lookups.
     */
    public SslContext select(String hostname) {
        if (hostname != null) {
            String h = hostname.toLowerCase(Locale.ROOT);
            if (h.endsWith(".")) {
                h = h.substring(0, h.length() - 1);
            }
            SslContext c = exact.get(h);
            if (c != null) {
                return c;
            }
            int dot = h.indexOf('.');
            if (dot > 0) {
                c = wildcard.get(h.substring(dot + 1));
                if (c != null) {
                    return c;
                }
            }
        }
        return config.strictSni() ? null : served.get(0).context();
    }

    /**
     * Builds the contexts of {@code tls} with {@code alpn} advertised, or throws the problems located at the
     * {@code server.tls} section. Warns about each certificate that expires within {@link #EXPIRY_WARNING}.
     */
    public static TlsContexts build(TlsConfig tls, List<String> alpn, Clock clock) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        SslProvider provider = TlsProvider.provider();
        Set<String> supported = supportedCiphers(provider);
        for (int i = 0; i < tls.ciphers().size(); i++) {
            String c = tls.ciphers().get(i);
            if (!supported.contains(c)) {
                errors.add(new ConfigError(tls.location(), "server.tls.ciphers[" + i + "]",
                        "'" + c + "' is not a cipher suite the " + provider.name().toLowerCase(Locale.ROOT)
                                + " provider supports (use IANA names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"));
            }
        }
        if (!tls.sessionTickets() && provider != SslProvider.OPENSSL) {
            errors.add(new ConfigError(tls.location(), "server.tls.session-tickets",
                    "false needs the OpenSSL provider, which is not available here: " + TlsProvider.description()));
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        List<Served> served = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < tls.certificates().size(); i++) {
            TlsConfig.Certificate c = tls.certificates().get(i);
            String path = "server.tls.certificates[" + i + "]";
            try {
                served.add(new Served(c.hosts(), c.cert().leaf(), context(tls, c, alpn, provider)));
            } catch (SSLException | RuntimeException e) {
                errors.add(new ConfigError(c.location(), path, "cannot make a TLS context of " + c.cert().file()
                        + " and " + c.key().file() + ": " + e.getMessage()));
                continue;
            }
            Instant notAfter = c.cert().leaf().getNotAfter().toInstant();
            Duration left = Duration.between(now, notAfter);
            if (left.compareTo(EXPIRY_WARNING) <= 0) {
                logger.warn("TLS certificate {} ({}) {} {} ({} days)", c.cert().file(), String.join(", ", c.hosts()),
                        left.isNegative() ? "expired at" : "expires at", notAfter, left.toDays());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return new TlsContexts(tls, served);
    }

    private static SslContext context(TlsConfig tls, TlsConfig.Certificate c, List<String> alpn,
            SslProvider provider) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(c.key().key(), c.cert().chain())
                .sslProvider(provider)
                .protocols(tls.protocols())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        if (!tls.ciphers().isEmpty()) {
            b.ciphers(tls.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (tls.clientAuth().mode() != TlsConfig.ClientAuthMode.NONE) {
            b.trustManager(tls.clientAuth().ca().chain());
            b.clientAuth(tls.clientAuth().mode() == TlsConfig.ClientAuthMode.REQUIRED ? ClientAuth.REQUIRE
                    : ClientAuth.OPTIONAL);
        }
        SslContext ctx = b.build();
        if (!tls.sessionTickets() && ctx instanceof ReferenceCountedOpenSslContext o) {
            noTickets(o);
        }
        return ctx;
    }

    @SuppressWarnings("deprecation") // the pointer is the only way to set SSL_OP_NO_TICKET
    private static void noTickets(ReferenceCountedOpenSslContext ctx) {
        io.netty.internal.tcnative.SSLContext.setOptions(ctx.sslCtxPointer(),
                io.netty.internal.tcnative.SSL.SSL_OP_NO_TICKET);
    }

    private static Set<String> supportedCiphers(SslProvider provider) {
        if (provider == SslProvider.OPENSSL) {
            return OpenSsl.availableJavaCipherSuites();
        }
        try {
            return Set.copyOf(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
        } catch (NoSuchAlgorithmException e) {
            return Set.of();
        }
    }
}
