package dev.gateway.filters.ratelimit;

import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * How one route's filter answers for one limit, compiled once from its configuration: its refusal, fallback and
 * Redis-unavailable answers and its RateLimit header fields. The limit itself, which decides, is a
 * {@link dev.gateway.core.limit.Limit}.
 */
final class RouteLimit {
    private static final String RATELIMIT = "RateLimit";
    private static final String RATELIMIT_POLICY = "RateLimit-Policy";

    final CompletionStage<FilterResult> refusal;
    /** The limit's {@code fallback:} response, or null. */
    final CompletionStage<FilterResult> fallback;
    /** Cluster, fail-closed: 503 {@code ratelimit_unavailable}. */
    final CompletionStage<FilterResult> unavailable;
    private final String remainingPrefix;
    /**
     * The last RateLimit value built, reused while remaining and reset stay the same (a limit far above its load
     * answers the same pair on every request). Racy on purpose: entries are immutable, a stale read only rebuilds.
     */
    private RemainingField lastRemaining;
    /** The last RateLimit-Policy field built ({@link #policyHeader}). */
    private Header lastPolicy;

    RouteLimit(LimitConfig c) {
        String id = c.id();
        GatewayError error = switch (c.kind()) {
            case QUOTA -> new GatewayError(HttpResponseStatus.TOO_MANY_REQUESTS, "quota_exceeded",
                    "quota '" + id + "' is used up for this window");
            case CONCURRENCY -> new GatewayError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "concurrency limit '" + id + "' is reached");
            default -> new GatewayError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited",
                    "rate limit '" + id + "' is exceeded");
        };
        this.refusal = FilterResult.refuse(error);
        if (c.fallback() != null) {
            List<Header> hs = new ArrayList<>();
            c.fallback().headers().forEach((k, v) -> hs.add(new Header(k, v)));
            this.fallback = FilterResult.respond(GatewayResponse.text(
                    HttpResponseStatus.valueOf(c.fallback().status()), hs, c.fallback().body()));
        } else {
            this.fallback = null;
        }
        this.unavailable = FilterResult.refuse(new GatewayError(HttpResponseStatus.SERVICE_UNAVAILABLE,
                "ratelimit_unavailable", "limit '" + id + "' cannot be decided now: Redis is unavailable"));
        this.remainingPrefix = "\"" + id + "\";r=";
    }

    /** The RateLimit field: remaining {@code r} tokens or requests, reset in {@code t} seconds. */
    Header remaining(long r, long t) {
        RemainingField last = lastRemaining;
        if (last != null && last.r == r && last.t == t) {
            return last.header;
        }
        Header h = new Header(RATELIMIT, remainingPrefix + r + ";t=" + t);
        lastRemaining = new RemainingField(r, t, h);
        return h;
    }

    private record RemainingField(long r, long t, Header header) {}

    /**
     * The RateLimit-Policy field with {@code policy} as its value: the one built last when it is the same policy
     * (the limit's own or an override's is the same string on every request; one built late for an app's own rate
     * or a priority share is an equal one), else a new one. Racy like {@link #remaining}.
     */
    Header policyHeader(String policy) {
        Header last = lastPolicy;
        if (last != null && (last.value() == policy || last.value().equals(policy))) {
            return last;
        }
        Header h = new Header(RATELIMIT_POLICY, policy);
        lastPolicy = h;
        return h;
    }
}
