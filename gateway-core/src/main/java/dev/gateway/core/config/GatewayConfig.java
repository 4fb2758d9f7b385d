package dev.gateway.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration: the main file and everything it includes. Immutable.
 *
 * @param sources every file it was read from, the main file first
 * @param version a hash of the sources' names and contents: the same files give the same version
 * @param redis the shared Redis, or null when the configuration has no {@code redis:} section
 * @param metadata where app metadata comes from (the files' {@code apps:} by default)
 * @param limits every file's {@code limits:} entries, in file order
 * @param limitsSettings what rate-limited responses say ({@code limits-settings:})
 */
public record GatewayConfig(
        Path file,
        List<Path> sources,
        String version,
        ServerConfig server,
        AdminConfig admin,
        AccessLogConfig accessLog,
        MetricsConfig metrics,
        TracingConfig tracing,
        DemoEchoConfig demoEcho,
        ReloadConfig reload,
        Map<String, UpstreamConfig> upstreams,
        List<RouteConfig> routes,
        List<App> apps,
        RedisConfig redis,
        MetadataConfig metadata,
        List<LimitConfig> limits,
        LimitsSettings limitsSettings) {

    /** A configuration without limits. */
    public GatewayConfig(Path file, List<Path> sources, String version, ServerConfig server, AdminConfig admin,
            AccessLogConfig accessLog, MetricsConfig metrics, TracingConfig tracing, DemoEchoConfig demoEcho,
            ReloadConfig reload, Map<String, UpstreamConfig> upstreams, List<RouteConfig> routes, List<App> apps,
            RedisConfig redis, MetadataConfig metadata) {
        this(file, sources, version, server, admin, accessLog, metrics, tracing, demoEcho, reload, upstreams, routes,
                apps, redis, metadata, List.of(), LimitsSettings.DEFAULT);
    }

    public GatewayConfig {
        limits = List.copyOf(limits);
        sources = List.copyOf(sources);
        apps = List.copyOf(apps);
        upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(upstreams)); // file order
        routes = List.copyOf(routes);
    }
}
