package dev.gateway.core.config;

import dev.gateway.core.metadata.App;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The whole configuration: the main file and everything it includes. Immutable. */
public record GatewayConfig(
        Path file,
        ServerConfig server,
        AdminConfig admin,
        AccessLogConfig accessLog,
        MetricsConfig metrics,
        TracingConfig tracing,
        DemoEchoConfig demoEcho,
        Map<String, UpstreamConfig> upstreams,
        List<RouteConfig> routes,
        List<App> apps) {

    public GatewayConfig {
        apps = List.copyOf(apps);
        upstreams = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(upstreams)); // file order
        routes = List.copyOf(routes);
    }
}
