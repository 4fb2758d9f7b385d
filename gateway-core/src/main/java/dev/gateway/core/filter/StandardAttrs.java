package dev.gateway.core.filter;

/** Typed keys of per-request state that filters leave for the gateway (the access log) or for later filters. */
public final class StandardAttrs {
    private StandardAttrs() {}

    /** The id of the limit that refused the request, queued it or answered it with its fallback (access log). */
    public static final AttrKey<String> LIMIT = AttrKey.of("limit");

    /**
     * Set (true) by the gateway only, on an in-process item of a batch call, never from anything the client sends:
     * its app ({@link RequestContext#app()}) is the batch's, which its route's authentication already verified (the
     * outer signature covers the items through the body's digest). hmac-auth accepts such an item without a
     * signature of its own.
     */
    public static final AttrKey<Boolean> BATCH_ITEM = AttrKey.of("batch_item");
}
