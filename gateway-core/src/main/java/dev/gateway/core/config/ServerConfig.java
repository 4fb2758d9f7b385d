package dev.gateway.core.config;

import java.time.Duration;
import java.util.List;

/** The main (proxy) listener and its limits. */
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
        List<Cidr> trustedProxies) {

    public ServerConfig {
        trustedProxies = List.copyOf(trustedProxies);
    }

    public enum Transport { AUTO, EPOLL, NIO }
}
