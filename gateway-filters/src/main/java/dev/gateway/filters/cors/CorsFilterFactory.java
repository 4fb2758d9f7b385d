package dev.gateway.filters.cors;

import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import java.util.Set;

/** Builds {@code cors} filters. Needs no service. */
public final class CorsFilterFactory implements FilterFactory<CorsConfig> {
    @Override
    public String name() {
        return "cors";
    }

    @Override
    public Class<CorsConfig> configType() {
        return CorsConfig.class;
    }

    @Override
    public Set<String> extraMethods() {
        return Set.of("OPTIONS");
    }

    @Override
    public GatewayFilter create(FilterContext context, CorsConfig config) {
        return new CorsFilter(config);
    }
}
