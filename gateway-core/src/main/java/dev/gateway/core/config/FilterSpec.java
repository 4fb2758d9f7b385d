package dev.gateway.core.filter;

import dev.gateway.core.config.ConfigNode;
import java.util.Set;

/** One filter of a route as configured: its factory, its validated config and where it was written. */
public record FilterSpec(FilterFactory<?> factory, Object config, ConfigNode.Location location, String path) {

    public Set<String> extraMethods() {
        return factory.extraMethods();
    }

    @SuppressWarnings("unchecked")
    public boolean needsBody() {
        return ((FilterFactory<Object>) factory).needsBody(config);
    }

    @SuppressWarnings("unchecked")
    public GatewayFilter create(FilterContext context) {
        return ((FilterFactory<Object>) factory).create(context, config);
    }
}
