package dev.gateway.filters.authz;

import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import java.util.List;

/** Builds {@code authorization} filters; implied by {@code hmac-auth}. Needs no service. */
public final class AuthorizationFilterFactory implements FilterFactory<AuthorizationConfig> {

    @Override
    public String name() {
        return "authorization";
    }

    @Override
    public List<String> impliedBy() {
        return List.of("hmac-auth");
    }

    @Override
    public Class<AuthorizationConfig> configType() {
        return AuthorizationConfig.class;
    }

    @Override
    public GatewayFilter create(FilterContext context, AuthorizationConfig config) {
        return new AuthorizationFilter(context.routeId(), context.routeGroup(), config);
    }
}
