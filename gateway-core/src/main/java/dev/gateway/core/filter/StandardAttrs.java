package dev.gateway.core.filter;

import dev.gateway.core.metadata.App;

/** Typed keys for what one filter learns and later filters, the access log and metrics read. */
public final class StandardAttrs {
    private StandardAttrs() {}

    /** The app that signed the request (set by hmac-auth; absent for anonymous requests). */
    public static final AttrKey<App> APP = AttrKey.of("app");
}
