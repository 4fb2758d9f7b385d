package dev.gateway.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The main (proxy) listener and its limits, and the process's pid file ({@code pidFile}, null for none; a relative
 * path is relative to the working directory, as nginx's {@code pid} is to its prefix).
 */
public record ServerConfig(
        HostPort listen,
        int ioThreads,
        Transport transport,
        int maxConnections,
        int maxInitialLineLength,
        int maxHeaderSize,
        long maxBodySize,
        Duration idleTimeout,
        Duration headerReadTimeout,
        Duration writeTimeout,
        Duration drainDelay,
        Duration drainTimeout,
        int maxPipelinedRequests,
        List<Cidr> trustedProxies,
        Path pidFile) {

    public ServerConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    public enum Transport { AUTO, EPOLL, NIO }
}
