package dev.gateway.filters.authz;

import dev.gateway.core.config.App;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayError;
import java.util.concurrent.CompletionStage;

/**
 * An authenticated app may call the route if its allowed routes or route groups include it, or the route lists
 * the app or the app's consumer group; otherwise 403 {@code forbidden_route}. Anonymous requests (allowed by the
 * route's hmac-auth) pass: there is no app to check.
 */
final class AuthorizationFilter implements GatewayFilter {
    static final GatewayError FORBIDDEN_ROUTE = new GatewayError(403, "forbidden_route",
            "the app may not call this route");
    private static final CompletionStage<FilterResult> REFUSED = FilterResult.refuse(FORBIDDEN_ROUTE);

    private final String routeId;
    private final String routeGroup;
    private final AuthorizationConfig config;

    AuthorizationFilter(String routeId, String routeGroup, AuthorizationConfig config) {
        this.routeId = routeId;
        this.routeGroup = routeGroup;
        this.config = config;
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        App app = ctx.get(StandardAttrs.APP);
        if (app == null || app.allows(routeId, routeGroup) || config.apps().contains(app.key())
                || (app.group() != null && config.groups().contains(app.group()))) {
            return FilterResult.proceed();
        }
        return REFUSED;
    }
}
