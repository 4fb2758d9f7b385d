package dev.gateway.filters.iplist;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayError;
import java.net.InetAddress;
import java.util.concurrent.CompletionStage;

/**
 * Refuses with 403 {@code ip_denied} a client address in the deny list, or outside a non-empty allow list. The address
 * is {@link RequestContext#clientAddress()} (the peer, or the client a trusted proxy names); matched on its bytes.
 */
final class IpRestrictionFilter implements GatewayFilter {
    static final GatewayError IP_DENIED = new GatewayError(403, "ip_denied",
            "the client address may not call this route");
    private static final CompletionStage<FilterResult> REFUSED = FilterResult.refuse(IP_DENIED);

    private final CidrTrie allow;
    private final CidrTrie deny;

    IpRestrictionFilter(CidrTrie allow, CidrTrie deny) {
        this.allow = allow;
        this.deny = deny;
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        InetAddress client = ctx.clientAddress();
        if (client == null) {
            // Not an IP connection (a test channel): nothing to match, so only an open route admits it.
            return allow.isEmpty() && deny.isEmpty() ? FilterResult.proceed() : REFUSED;
        }
        byte[] a = client.getAddress();
        if (deny.contains(a) || (!allow.isEmpty() && !allow.contains(a))) {
            return REFUSED;
        }
        return FilterResult.proceed();
    }
}
