package dev.gateway.core.filter;

import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a filter decided: continue down the chain, answer with a response of its own (a CORS preflight), or refuse
 * with a typed error (status, code, message, extra headers) that the gateway turns into its JSON error response.
 */
public sealed interface FilterResult {

    record Continue() implements FilterResult {}

    record Respond(GatewayResponse response) implements FilterResult {}

    record Refuse(GatewayError error) implements FilterResult {}

    FilterResult CONTINUE = new Continue();

    /** Shared, already complete; callers cannot complete it (it is a minimal stage). */
    CompletionStage<FilterResult> PROCEED = CompletableFuture.completedStage(CONTINUE);

    /** Continue: the runner recognises this stage by identity and allocates nothing. */
    static CompletionStage<FilterResult> proceed() {
        return PROCEED;
    }

    static CompletionStage<FilterResult> respond(GatewayResponse r) {
        return CompletableFuture.completedStage(new Respond(r));
    }

    static CompletionStage<FilterResult> refuse(GatewayError e) {
        return CompletableFuture.completedStage(new Refuse(e));
    }
}
