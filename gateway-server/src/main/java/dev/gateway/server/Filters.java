package dev.gateway.server;

import dev.gateway.core.filter.FilterFactory;
import dev.gateway.filters.authz.AuthorizationFilterFactory;
import dev.gateway.filters.cors.CorsFilterFactory;
import dev.gateway.filters.hmac.HmacAuthFilterFactory;
import java.util.List;

/**
 * The filter factories in the fixed chain order: request limits and request id (built into the listener) ->
 * IP allow/deny -> CORS -> signature auth -> authorization -> rate limits -> gray routing -> mock or upstream.
 * Filters that later issues add slot in at their place in this list.
 */
public final class Filters {
    private Filters() {}

    public static List<FilterFactory<?>> inOrder() {
        return List.of(
                new CorsFilterFactory(),
                new HmacAuthFilterFactory(),
                new AuthorizationFilterFactory());
    }
}
