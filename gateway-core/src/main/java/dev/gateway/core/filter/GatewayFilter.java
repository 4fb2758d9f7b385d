package dev.gateway.core.filter;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletionStage;

/**
 * One step of a route's chain. Instances are immutable and shared by every request of the route; per-request state
 * lives in the {@link RequestContext}.
 */
public interface GatewayFilter {

    /**
     * Runs on the request's event loop and must not block. Return {@link FilterResult#proceed()} to continue (the
     * runner recognises it by identity and allocates nothing), or a response to answer the request. The stage may
     * complete on any thread; the runner resumes on the event loop.
     */
    CompletionStage<FilterResult> apply(RequestContext ctx);

    /** Response headers on the way back, in reverse filter order, for filters whose {@code apply} ran. */
    default void onResponse(RequestContext ctx, HttpHeaders responseHeaders) {}
}
