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

    /**
     * Whether {@link #onResponse} would change anything for this request. Asked (only of filters that override
     * {@code onResponse}) before the response head is forwarded: when no filter wants to, the upstream's header
     * lines are forwarded as they are, without building a header object.
     */
    default boolean editsResponse(RequestContext ctx) {
        return true;
    }

    /** Whether {@code f} overrides {@link #onResponse}: only such filters are asked {@link #editsResponse}. */
    static boolean overridesOnResponse(GatewayFilter f) {
        try {
            return f.getClass().getMethod("onResponse", RequestContext.class, HttpHeaders.class)
                    .getDeclaringClass() != GatewayFilter.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
