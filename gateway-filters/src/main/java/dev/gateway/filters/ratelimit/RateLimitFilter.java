package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.LimitsSettings;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.limit.Limit;
import dev.gateway.core.limit.LimitAnswers;
import dev.gateway.core.limit.RouteLimits;
import java.util.concurrent.CompletionStage;

/**
 * Applies every limit that selects the route ({@link RouteLimits} decides) and answers for them: a refusal is 429
 * ({@code rate_limited} or {@code quota_exceeded}, naming the limit, with {@code Retry-After}) or the limit's
 * fallback; a fail-closed cluster limit without Redis is 503 {@code ratelimit_unavailable}. Admitted and refused
 * responses carry the RateLimit fields of the tightest limit (and the X-RateLimit ones when configured).
 *
 * <p>Runs on the event loop. Answers are compiled once; routes without cluster limits decide synchronously.
 */
final class RateLimitFilter implements GatewayFilter, LimitAnswers {
    private final RouteLimits limits;
    /** Each limit's answers, by {@link Limit#index()}. */
    private final RouteLimit[] answers;
    private final boolean headers;
    private final boolean legacyHeaders;

    RateLimitFilter(RouteLimits limits, RouteLimit[] answers, LimitsSettings settings) {
        this.limits = limits;
        this.answers = answers;
        this.headers = settings.headers();
        this.legacyHeaders = settings.legacyHeaders();
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        return limits.apply(ctx, this);
    }

    @Override
    public void admitted(RequestContext ctx, Limit tight, String policy, long q, long remaining, long reset) {
        if (headers) {
            setHeaders(ctx, tight, policy != null ? policy : tight.policyFor(ctx, q), q, remaining, reset);
        }
    }

    @Override
    public CompletionStage<FilterResult> refused(RequestContext ctx, Limit l, String policy, long q,
            long retryAfter) {
        if (headers && policy != null) {
            setHeaders(ctx, l, policy, q, 0, retryAfter);
        }
        RouteLimit a = answers[l.index()];
        if (a.fallback != null) {
            l.fellBack();
            return a.fallback;
        }
        l.rejected();
        ctx.setResponseHeader("Retry-After", Long.toString(retryAfter));
        return a.refusal;
    }

    @Override
    public CompletionStage<FilterResult> unavailable(RequestContext ctx, Limit l) {
        return answers[l.index()].unavailable;
    }

    private void setHeaders(RequestContext ctx, Limit l, String policy, long q, long r, long t) {
        RouteLimit a = answers[l.index()];
        ctx.setResponseHeader(a.policyHeader(policy));
        ctx.setResponseHeader(a.remaining(r, t));
        if (legacyHeaders) {
            ctx.setResponseHeader("X-RateLimit-Limit", Long.toString(q));
            ctx.setResponseHeader("X-RateLimit-Remaining", Long.toString(r));
            ctx.setResponseHeader("X-RateLimit-Reset", Long.toString(t));
        }
    }
}
