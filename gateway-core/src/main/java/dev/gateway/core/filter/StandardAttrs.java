package dev.gateway.core.filter;

import dev.gateway.core.config.App;
import dev.gateway.core.upstream.UpstreamGroup;

/**
 * Typed keys of per-request state that filters leave for the gateway (the exchange, the access log) or for later
 * filters. The ones most requests set are kept in a context's fields ({@link AttrKey#INLINE}).
 */
public final class StandardAttrs {
    private StandardAttrs() {}

    /**
     * The app that signed the request (set by hmac-auth; by the gateway for a batch item), read by authorization,
     * limits, gray rules, body templates and the access log; absent for an anonymous request or a route without
     * authentication.
     */
    public static final AttrKey<App> APP = AttrKey.inline("app", 0);

    /** The variant that serves the request (set by gray routing); absent for the route's default (metrics, log). */
    public static final AttrKey<String> VARIANT = AttrKey.inline("variant", 1);

    /** The upstream group that serves the request instead of the route's own (set by gray routing), or absent. */
    public static final AttrKey<UpstreamGroup> UPSTREAM_OVERRIDE = AttrKey.inline("upstream_override", 2);

    /** The id of the limit that refused the request, queued it or answered it with its fallback (access log). */
    public static final AttrKey<String> LIMIT = AttrKey.of("limit");

    /**
     * Set (true) by the gateway only, on an in-process item of a batch call, never from anything the client sends:
     * its app ({@link #APP}) is the batch's, which its route's authentication already verified (the outer signature
     * covers the items through the body's digest). hmac-auth accepts such an item without a signature of its own.
     */
    public static final AttrKey<Boolean> BATCH_ITEM = AttrKey.of("batch_item");

    /**
     * The client certificate the TLS listener verified (mutual TLS, {@code server.tls.client-auth}), set by the gateway
     * on every request of such a connection; absent on cleartext and on TLS connections without one.
     */
    public static final AttrKey<ClientCertificate> CLIENT_CERT = AttrKey.of("client_cert");
}
