package dev.gateway.filters.hmac;

import dev.gateway.core.auth.ReplayStore;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.metadata.MetadataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** Builds {@code hmac-auth} filters over the app metadata and the replay store the server gives it. */
public final class HmacAuthFilterFactory implements FilterFactory<HmacAuthConfig> {
    private final MetadataSource apps;
    private final ReplayStore replays;
    private final MeterRegistry meters;
    private final Clock clock;

    /** @param meters where refusals are counted, or null when metrics are off */
    public HmacAuthFilterFactory(MetadataSource apps, ReplayStore replays, MeterRegistry meters, Clock clock) {
        this.apps = apps;
        this.replays = replays;
        this.meters = meters;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "hmac-auth";
    }

    @Override
    public Class<HmacAuthConfig> configType() {
        return HmacAuthConfig.class;
    }

    @Override
    public boolean needsBody(HmacAuthConfig config) {
        return config.validateBody();
    }

    @Override
    public GatewayFilter create(FilterContext context, HmacAuthConfig config) {
        boolean batch = context.config() != null && context.config().routes().stream()
                .anyMatch(r -> r.id().equals(context.routeId()) && r.batch() != null);
        if (batch && (!config.validateBody() || !config.requiredHeaders().contains("digest"))) {
            // The items of a batch take its app without signatures of their own: the signature must cover them.
            context.problem("validate-body", "on a batch route the signature must cover the items: set "
                    + "validate-body: true and list digest in required-headers");
        }
        return new HmacAuthFilter(context.routeId(), config, apps, replays, meters, clock);
    }
}
