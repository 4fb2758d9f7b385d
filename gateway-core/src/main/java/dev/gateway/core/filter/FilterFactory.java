package dev.gateway.core.filter;

import dev.gateway.core.config.Section;

/**
 * Builds one kind of filter. The server constructs each factory once, handing it the services it needs (metadata,
 * stores, meters, clock) through its constructor, and registers the factories in the fixed chain order; a route's
 * {@code filters} section names the ones it uses. Reading happens at configuration load (every problem located),
 * creation at compile time, once per configuration (and again on every reload); the filter it returns is immutable
 * and shared by all requests of the route. A factory never creates a service: state that must outlive a reload
 * (caches, stores, counters) belongs to a service it was given.
 *
 * @param <C> the immutable config record of this filter
 */
public interface FilterFactory<C> {

    /** The YAML name under a route's {@code filters}, e.g. {@code hmac-auth}. */
    String name();

    /** Reads and validates this filter's section; records problems in {@code section.problems()}. */
    C read(Section section);

    /**
     * Filters whose presence on a route switches this one on with its defaults (authorization is implied by
     * hmac-auth: an authenticated app may only call routes it is allowed to).
     */
    default java.util.List<String> impliedBy() {
        return java.util.List.of();
    }

    /**
     * The config this filter gets on {@code route} when the route does not name it under {@code filters} but another
     * part of the whole configuration selects the route (a {@code limits:} entry names its routes), or null when
     * nothing does (the default). Asked once per route after every file is read and checked, off the event loops;
     * the filter then takes its place in the chain order like a named one. Routes it returns null for pay nothing.
     */
    default C selectedBy(dev.gateway.core.config.GatewayConfig config, dev.gateway.core.config.RouteConfig route) {
        return null;
    }

    /**
     * True if the main gateway.yml may hold a top-level section named {@link #name()}: its config applies to every
     * route whose {@code filters} do not name this filter (a route's own section replaces it, never merges with it).
     */
    default boolean hasGlobalDefault() {
        return false;
    }

    /**
     * True if filters with this config read the request body ({@link RequestContext#body()}): the route then
     * buffers the body (up to max-body-size) before its chain runs. Only such routes pay for buffering.
     */
    default boolean needsBody(C config) {
        return false;
    }

    /**
     * Methods a route with this filter must also match when it lists methods (CORS preflights are OPTIONS).
     */
    default java.util.Set<String> extraMethods() {
        return java.util.Set.of();
    }

    /**
     * The filter for one route. Runs off the event loops. Problems found only now (an upstream a rule names does
     * not exist, say) are reported through {@link FilterContext#problem} and reject the whole configuration.
     */
    GatewayFilter create(FilterContext context, C config);
}
