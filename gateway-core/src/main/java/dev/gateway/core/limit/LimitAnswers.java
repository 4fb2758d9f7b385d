package dev.gateway.core.limit;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import java.util.concurrent.CompletionStage;

/**
 * How a route answers what its limits decided: {@link RouteLimits} decides, the rate-limit filter implements this
 * with the responses and RateLimit header fields its configuration compiled. Called on the request's event loop;
 * must not block.
 */
public interface LimitAnswers {
    /**
     * Every limit admitted the request. {@code tight} is the tightest time-based limit (lowest remaining share of its
     * capacity {@code q}): {@code remaining} tokens or requests, full again (or the window over) in {@code reset}
     * seconds. {@code policy} is its RateLimit-Policy item, or null when only built on demand
     * ({@link Limit#policyFor}).
     */
    void admitted(RequestContext ctx, Limit tight, String policy, long q, long remaining, long reset);

    /**
     * Limit {@code l} refused the request (what earlier limits took is given back already): the answer, a 429 or the
     * limit's fallback. {@code policy} is the RateLimit-Policy item it refused at (null for a concurrency limit, which
     * has none) with capacity {@code q}; a token or the next window is due in {@code retryAfter} seconds.
     */
    CompletionStage<FilterResult> refused(RequestContext ctx, Limit l, String policy, long q, long retryAfter);

    /** Fail-closed cluster limit {@code l} cannot be decided now (Redis failed): the answer, a 503. */
    CompletionStage<FilterResult> unavailable(RequestContext ctx, Limit l);
}
