package dev.gateway.core.filter;

/** Typed keys of per-request state that filters leave for the gateway (the access log) or for later filters. */
public final class StandardAttrs {
    private StandardAttrs() {}

    /** The id of the limit that refused the request, queued it or answered it with its fallback (access log). */
    public static final AttrKey<String> LIMIT = AttrKey.of("limit");
}
