package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Bytes;
import dev.gateway.core.config.Binder.Key;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The main (proxy) listener and its limits ({@code server:}), and the process's pid file ({@code pidFile}, null for
 * none; a relative path is relative to the working directory, as nginx's {@code pid} is to its prefix).
 * {@code tls} is the TLS listener, null when the section is absent; {@code redirectToHttps}: cleartext GET and HEAD
 * answer 308 to the https URL, other methods 403.
 */
public record ServerConfig(
        HostPort listen,
        @Range(min = 0, max = 1024) int ioThreads,
        Transport transport,
        @Range(min = 1, max = 1_000_000) int maxConnections,
        @Key("max-request-line") @Bytes(min = 64, max = 1 << 20) int maxInitialLineLength,
        @Bytes(min = 256, max = 1 << 20) int maxHeaderSize,
        @Bytes(min = 0, max = Long.MAX_VALUE / 2) long maxBodySize,
        @Positive Duration idleTimeout,
        @Positive Duration headerReadTimeout,
        @Positive Duration writeTimeout,
        Duration drainDelay,
        Duration drainTimeout,
        @Range(min = 1, max = 1024) int maxPipelinedRequests,
        List<Cidr> trustedProxies,
        Path pidFile,
        boolean redirectToHttps,
        TlsConfig tls,
        Http2Config http2) {

    /** A blank pid file (${GATEWAY_PID_FILE:} with the variable unset) means none, as an absent one does. */
    public ServerConfig {
        trustedProxies = List.copyOf(trustedProxies);
        pidFile = pidFile == null || pidFile.toString().isBlank() ? null : pidFile;
    }

    public static ServerConfig defaults() {
        return new ServerConfig(new HostPort("0.0.0.0", 8080), 0, Transport.AUTO, 10_000, 8192, 16384, 10L << 20,
                Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(5),
                Duration.ofSeconds(30), 16, List.of(), null, false, null, Http2Config.defaults());
    }

    public enum Transport { AUTO, EPOLL, NIO }
}
