package dev.gateway.core.filter;

/** One filter of a route as configured: its factory and its validated config. */
public record FilterSpec(FilterFactory<?> factory, Object config) {

    public java.util.Set<String> extraMethods() {
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
