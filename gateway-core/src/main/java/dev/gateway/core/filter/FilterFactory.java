package dev.gateway.core.filter;

import dev.gateway.core.config.FilterSpec;
import dev.gateway.core.config.FilterType;
import java.util.Set;

/**
 * Builds one kind of filter. The server constructs each factory once, handing it the services it needs (metadata,
 * stores, meters, clock) through its constructor, and registers the factories in the fixed chain order; a route's
 * {@code filters} section names the ones it uses. At configuration load its section binds to its
 * {@link #configType()} record (every problem located); creation happens at compile time, once per configuration
 * (and again on every reload); the filter it returns is immutable
 * and shared by all requests of the route. A factory never creates a service: state that must outlive a reload
 * (caches, stores, counters) belongs to a service it was given.
 *
 * @param <C> the immutable config record of this filter
 */
public interface FilterFactory<C> extends FilterType<C> {

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

    /** The filter of {@code spec} for one route ({@link #create}). */
    @SuppressWarnings("unchecked")
    static GatewayFilter create(FilterSpec spec, FilterContext context) {
        return ((FilterFactory<Object>) spec.type()).create(context, spec.config());
    }

    /** {@link #needsBody} of {@code spec}'s factory for its config. */
    @SuppressWarnings("unchecked")
    static boolean needsBody(FilterSpec spec) {
        return ((FilterFactory<Object>) spec.type()).needsBody(spec.config());
    }

    /** {@link #extraMethods} of {@code spec}'s factory. */
    static Set<String> extraMethods(FilterSpec spec) {
        return ((FilterFactory<?>) spec.type()).extraMethods();
    }
}
