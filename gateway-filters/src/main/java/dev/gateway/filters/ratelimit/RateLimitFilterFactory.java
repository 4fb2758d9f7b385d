package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.limit.ClusterLimits;
import dev.gateway.core.limit.Limit;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.limit.RouteLimits;
import dev.gateway.core.metrics.Meters;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the {@code rate-limit} filter of every route that a {@code limits:} entry selects (by id, by
 * {@code group:NAME} or {@code all}); routes no limit selects get no filter and pay nothing. The counters live in
 * the {@link LocalLimits} service, keyed by limit id and definition, so they outlive reloads.
 */
public final class RateLimitFilterFactory implements FilterFactory<RateLimitConfig> {
    private final LocalLimits store;
    private final ClusterLimits cluster;
    private final Meters meters;

    /** @param meters where decisions, queue lengths and waits are recorded; null when metrics are off */
    public RateLimitFilterFactory(LocalLimits store, Meters meters) {
        this(store, null, meters);
    }

    /**
     * @param cluster where {@code scope: cluster} limits are decided; null without Redis (the configuration then
     *     has no cluster limit)
     */
    public RateLimitFilterFactory(LocalLimits store, ClusterLimits cluster, Meters meters) {
        this.store = store;
        this.cluster = cluster;
        this.meters = meters;
    }

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public Class<RateLimitConfig> configType() {
        return RateLimitConfig.class;
    }

    /** Never from a route's section: a {@code limits:} entry selects its routes ({@link #selectedBy}). */
    @Override
    public RateLimitConfig read(ConfigNode section, Problems problems) {
        problems.add(section.location(), section.path(),
                "rate limits are written under limits: (each names its routes), not in a route's filters");
        return null;
    }

    @Override
    public RateLimitConfig selectedBy(GatewayConfig config, RouteConfig route) {
        List<LimitConfig> mine = config.limits().stream().filter(l -> l.covers(route.id(), route.group())).toList();
        return mine.isEmpty() ? null : new RateLimitConfig(mine, config.limitsSettings());
    }

    @Override
    public GatewayFilter create(FilterContext context, RateLimitConfig config) {
        List<LimitConfig> configs = config.limits();
        RouteLimit[] answers = new RouteLimit[configs.size()];
        List<Limit> local = new ArrayList<>();
        List<Limit> clustered = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            LimitConfig c = configs.get(i);
            answers[i] = new RouteLimit(c);
            Limit l = new Limit(c, i, store.state(c), meters);
            (l.isCluster() ? clustered : local).add(l);
        }
        if (!clustered.isEmpty() && cluster == null) {
            // The configuration names Redis (validated), but this gateway started without it: redis: is read at
            // start-up only.
            context.problem("", "scope: cluster limits need Redis, and this gateway runs without it (the redis: "
                    + "section was added after start-up; restart to connect)");
            clustered.clear();
        }
        local.sort(Limit.ORDER);
        clustered.sort(Limit.ORDER);
        return new RateLimitFilter(new RouteLimits(local.toArray(new Limit[0]), clustered.toArray(new Limit[0]), store,
                cluster), answers, config.settings());
    }
}
