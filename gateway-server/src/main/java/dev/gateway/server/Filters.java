package dev.gateway.server;

import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.limit.ClusterLimits;
import dev.gateway.core.runtime.Services;
import dev.gateway.filters.authz.AuthorizationFilterFactory;
import dev.gateway.filters.cors.CorsFilterFactory;
import dev.gateway.filters.gray.GrayFilterFactory;
import dev.gateway.filters.hmac.HmacAuthFilterFactory;
import dev.gateway.filters.iplist.IpRestrictionFilterFactory;
import dev.gateway.filters.ratelimit.RateLimitFilterFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * The filter factories in the fixed chain order, built over the services they need: request limits and request id
 * (built into the listener) -> IP allow/deny -> CORS -> signature auth -> authorization -> rate limits -> gray
 * routing -> mock or upstream. Filters that later issues add slot in at their place in this list.
 */
public final class Filters {
    private Filters() {}

    /**
     * Called once per process: the cluster limits' script is loaded here, once.
     *
     * @param meters where filters count what they refuse, or null when metrics are off
     */
    public static List<FilterFactory<?>> inOrder(Services services, MeterRegistry meters) {
        return List.of(
                new IpRestrictionFilterFactory(),
                new CorsFilterFactory(),
                new HmacAuthFilterFactory(services.metadata(), services.replays(), meters, services.clock()),
                new AuthorizationFilterFactory(),
                new RateLimitFilterFactory(services.limits(),
                        services.redis() == null ? null : new ClusterLimits(services.redis()), services.meters()),
                new GrayFilterFactory());
    }
}
