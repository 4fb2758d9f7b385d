package dev.gateway.core.filter;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What a filter decided: continue down the chain, or answer the request now. */
public sealed interface FilterResult {

    record Continue() implements FilterResult {}

    record Respond(GatewayResponse response) implements FilterResult {}

    FilterResult CONTINUE = new Continue();

    /** Shared, already complete; callers cannot complete it (it is a minimal stage). */
    CompletionStage<FilterResult> PROCEED = CompletableFuture.completedStage(CONTINUE);

    static CompletionStage<FilterResult> proceed() {
        return PROCEED;
    }

    static CompletionStage<FilterResult> respond(GatewayResponse r) {
        return CompletableFuture.completedStage(new Respond(r));
    }
}
