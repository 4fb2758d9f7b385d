package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One entry of {@code upstreams:}, bound by {@link Binder} (its {@code name} is its key): a named group of targets
 * and how requests are spread over them and connected to, and how their health is judged: a circuit breaker per
 * target, outlier ejection, active checks (each null when not configured), the fallback when no target can take a
 * request, and panic mode (every target used when all are unhealthy or ejected); the protocol spoken to the targets
 * and the TLS settings of the https ones.
 */
public record UpstreamConfig(
        @Binder.Name String name,
        ConfigNode.Location location,
        List<TargetConfig> targets,
        Balancer balancer,
        HostHeader hostHeader,
        @Range(min = 1, max = 100_000) int maxConnectionsPerTarget,
        @Range(min = 0, max = 1_000_000) int maxPendingRequests,
        @Positive Duration connectTimeout,
        @Positive Duration idleTimeout,
        CircuitBreakerConfig circuitBreaker,
        OutlierConfig outlierDetection,
        HealthCheckConfig healthCheck,
        FallbackConfig fallback,
        boolean panic,
        Protocol protocol,
        Tls tls) implements Binder.Validated {

    public UpstreamConfig {
        targets = List.copyOf(targets);
    }

    static UpstreamConfig defaults() {
        return new UpstreamConfig(null, null, List.of(), Balancer.ROUND_ROBIN, HostHeader.TARGET, 1024, 1024,
                Duration.ofSeconds(2), Duration.ofSeconds(30), null, null, null, null, false, Protocol.HTTP1, null);
    }

    @Override
    public void validate(Problems p) {
        if (name != null && !ConfigLoader.ID.matcher(name).matches()) {
            p.add(p.scope(), "upstream name '" + name + "' must be letters, digits, '.', '_' or '-'");
        }
        if (targets.isEmpty()) {
            p.add("targets", "at least one target is required");
        }
        boolean anyHttps = targets.stream().anyMatch(t -> t != null && t.url() != null && t.url().https());
        boolean anyHttp = targets.stream().anyMatch(t -> t != null && t.url() != null && !t.url().https());
        if (protocol == Protocol.H2 && anyHttp) {
            p.add("protocol", "h2 is HTTP/2 over TLS: every target must be https:// (h2c is the cleartext one)");
        } else if (protocol == Protocol.H2C && anyHttps) {
            p.add("protocol", "h2c is HTTP/2 over cleartext: every target must be http:// (h2 is the TLS one)");
        }
        if (tls != null && !anyHttps && !targets.isEmpty()) {
            p.add("tls", "tls applies to https:// targets and this upstream has none");
        }
    }

    /**
     * The TLS settings of the https targets: {@code tls:}, or its defaults (system CAs, verified, SNI the host) when
     * absent; null when no target is https.
     */
    public Tls effectiveTls() {
        if (tls != null) {
            return tls;
        }
        boolean anyHttps = targets.stream().anyMatch(t -> t.url() != null && t.url().https());
        return anyHttps ? Tls.defaults() : null;
    }

    /** True when any per-target health state is kept: a breaker, outlier detection or active checks. */
    public boolean isGuarded() {
        return circuitBreaker != null || outlierDetection != null || healthCheck != null;
    }

    public enum Balancer { ROUND_ROBIN, LEAST_REQUESTS }

    /** Which Host header the upstream receives: the client's, or the target's {@code host:port}. */
    public enum HostHeader { CLIENT, TARGET }

    /** What is spoken to the targets: HTTP/1.1, HTTP/2 over TLS (ALPN h2), or HTTP/2 over cleartext (h2c). */
    public enum Protocol { HTTP1, H2, H2C }

    /**
     * {@code tls:} of an upstream with https targets: {@code ca} (PEM; null: the system CAs), whether the certificate
     * is verified, the SNI name (null: the target's host), and a client certificate with its key (both or neither).
     * The files are read when the configuration is bound, relative to the file naming them, and are sources of the
     * configuration (a change to one reloads it).
     */
    public record Tls(ConfigFile ca, boolean verify, String sni, ConfigFile clientCert, ConfigFile clientKey,
            ConfigNode.Location location) implements Binder.Validated {
        static Tls defaults() {
            return new Tls(null, true, null, null, null, null);
        }

        @Override
        public void validate(Problems p) {
            if ((clientCert == null) != (clientKey == null)) {
                p.add(clientCert == null ? "client-key" : "client-cert", "client-cert and client-key go together");
            }
            if (sni != null && !sni.matches("[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                p.add("sni", "expected a host name, found '" + sni + "'");
            }
        }

        @Override
        public String toString() {
            return "Tls[ca=" + (ca == null ? "system" : ca.name()) + ", verify=" + verify + ", sni=" + sni
                    + ", client-cert=" + (clientCert == null ? "none" : clientCert.name()) + "]";
        }
    }

    /** A target: {@code http://host:port} or {@code https://host:port}, or {@code {url: ..., weight: 2}}. */
    @Binder.Shorthand
    public record TargetConfig(@Binder.Required Url url, @Range(min = 1, max = 1000) int weight) {
        static TargetConfig defaults() {
            return new TargetConfig(null, 1);
        }

        /** The URL alone; a bad one is kept as null (its problem is recorded) so that the list is not empty. */
        static TargetConfig of(ConfigNode.ScalarNode s, Problems p) {
            return new TargetConfig(Url.of(s, p), 1);
        }

        public String host() {
            return url.host();
        }

        public int port() {
            return url.port();
        }

        /** Where the URL is written, for errors about the target. */
        public ConfigNode.Location location() {
            return url.location();
        }

        public String path() {
            return url.path();
        }

        /** True for an {@code https://} target. */
        public boolean https() {
            return url.https();
        }

        @Override
        public String toString() {
            return (url.https() ? "https://" : "http://") + new HostPort(url.host(), url.port());
        }
    }

    /**
     * A target's {@code http://host:port} or {@code https://host:port} (port 80 or 443 by default; an IPv6 host
     * without its brackets) and where it is written.
     */
    public record Url(String host, int port, ConfigNode.Location location, String path, boolean https) {
        public Url(String host, int port, ConfigNode.Location location, String path) {
            this(host, port, location, path, false);
        }

        static Url of(ConfigNode.ScalarNode s, Problems p) {
            URI uri = Section.httpUrl(s, p, true);
            if (uri == null) {
                return null;
            }
            boolean https = "https".equalsIgnoreCase(uri.getScheme());
            String host = uri.getHost();
            host = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            int port = uri.getPort() >= 0 ? uri.getPort() : https ? 443 : 80;
            return new Url(host, port, s.location(), s.path(), https);
        }
    }
}
