package dev.gateway.filters.gray;

import dev.gateway.core.config.App;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.Header;
import dev.gateway.core.upstream.UpstreamGroup;
import java.net.InetAddress;
import java.util.concurrent.CompletionStage;

/**
 * Decides a request's variant: the first rule that matches sends it to the canary group ({@link
 * RequestContext#routeTo}); none matching leaves it on the route's own (stable) upstream. The variant is recorded on
 * the context for the access log and metrics. Percent rules are sticky and monotonic: a key's bucket depends only on
 * the route id and the key, never on the percentage or on chance. Runs on the event loop; no locks, no regex compile.
 */
final class GrayFilter implements GatewayFilter {
    static final String STABLE = "stable";
    static final String CANARY = "canary";

    private final Matcher[] rules;
    private final UpstreamGroup canary;
    private final Header stableHeader;
    private final Header canaryHeader;

    /** One compiled rule. */
    interface Matcher {
        boolean matches(RequestContext ctx);
    }

    GrayFilter(Matcher[] rules, UpstreamGroup canary, String responseHeader) {
        this.rules = rules.clone();
        this.canary = canary;
        this.stableHeader = responseHeader == null ? null : new Header(responseHeader, STABLE);
        this.canaryHeader = responseHeader == null ? null : new Header(responseHeader, CANARY);
    }

    @Override
    public CompletionStage<FilterResult> apply(RequestContext ctx) {
        boolean toCanary = false;
        for (Matcher m : rules) {
            if (m.matches(ctx)) {
                toCanary = true;
                break;
            }
        }
        if (toCanary) {
            ctx.set(StandardAttrs.UPSTREAM_OVERRIDE, canary);
            ctx.set(StandardAttrs.VARIANT, CANARY);
        } else {
            ctx.set(StandardAttrs.VARIANT, STABLE);
        }
        Header h = toCanary ? canaryHeader : stableHeader;
        if (h != null) {
            ctx.addResponseHeader(h);
        }
        return FilterResult.proceed();
    }

    /** A value from a header, cookie or query parameter, or null when the request has none. */
    static String value(GrayConfig.Source source, String name, RequestContext ctx) {
        return switch (source) {
            case HEADER -> ctx.headers().get(name);
            case COOKIE -> RequestValues.cookie(ctx.headers(), name);
            default -> RequestValues.query(ctx.query(), name);
        };
    }

    /** A percent rule: the key's bucket (route-seeded hash) below the threshold. */
    static Matcher percent(GrayConfig.PercentRule r, int seed) {
        int threshold = r.percent().basisPoints();
        boolean missing = r.missing() == GrayConfig.Missing.CANARY;
        String name = r.by().name();
        return switch (r.by().kind()) {
            case HEADER -> ctx -> {
                String k = ctx.headers().get(name);
                return k == null || k.isEmpty() ? missing : StickyHash.bucket(StickyHash.chars(k, seed)) < threshold;
            };
            case COOKIE -> ctx -> {
                String k = RequestValues.cookie(ctx.headers(), name);
                return k == null || k.isEmpty() ? missing : StickyHash.bucket(StickyHash.chars(k, seed)) < threshold;
            };
            case APP -> ctx -> {
                App app = ctx.get(StandardAttrs.APP);
                return app == null ? missing : StickyHash.bucket(StickyHash.chars(app.key(), seed)) < threshold;
            };
            default -> ctx -> {
                InetAddress a = ctx.clientAddress();
                return a == null ? missing : StickyHash.bucket(StickyHash.bytes(a.getAddress(), seed)) < threshold;
            };
        };
    }
}
