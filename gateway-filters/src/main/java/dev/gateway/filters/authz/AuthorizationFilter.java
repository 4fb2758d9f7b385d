package dev.gateway.filters.authz;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.GatewayResponse;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.metadata.App;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * An authenticated app may call the route if its allowed routes or route groups include it, or the route lists
 * the app or the app's consumer group; otherwise 403 {@code forbidden_route}. Anonymous requests (allowed by the
 * route's hmac-auth) pass: there is no app to check.
 */
final class AuthorizationFilter implements GatewayFilter {
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
        return FilterResult.respond(new GatewayResponse(HttpResponseStatus.FORBIDDEN,
                Map.of("content-type", "application/json"),
                GatewayErrors.body("forbidden_route", "the app may not call this route", ctx.requestId())));
    }
}
