package dev.gateway.filters.gray;

import dev.gateway.core.config.App;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.upstream.UpstreamGroup;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds {@code gray} filters, last before the terminal. Its section binds to {@link GrayConfig} (patterns compiled
 * and values-files read at load); creating checks that the canary upstream exists. Needs no service.
 */
public final class GrayFilterFactory implements FilterFactory<GrayConfig> {
    @Override
    public String name() {
        return "gray";
    }

    @Override
    public Class<GrayConfig> configType() {
        return GrayConfig.class;
    }

    @Override
    public GatewayFilter create(FilterContext context, GrayConfig config) {
        UpstreamGroup canary = context.upstream(config.upstream());
        if (canary == null) {
            context.problem("upstream", "no upstream named '" + config.upstream() + "'");
            return null;
        }
        int seed = StickyHash.seed(context.routeId());
        GrayFilter.Matcher[] matchers = new GrayFilter.Matcher[config.rules().size()];
        for (int i = 0; i < matchers.length; i++) {
            matchers[i] = matcher(config.rules().get(i), seed);
        }
        return new GrayFilter(matchers, canary, config.responseHeader());
    }

    private static GrayFilter.Matcher matcher(GrayConfig.Rule rule, int seed) {
        if (rule instanceof GrayConfig.ValueRule v) {
            GrayConfig.Source source = v.source();
            String name = v.name();
            Pattern pattern = v.pattern();
            if (pattern != null) {
                return ctx -> {
                    String value = GrayFilter.value(source, name, ctx);
                    return value != null && pattern.matcher(value).find();
                };
            }
            Set<String> set = v.allValues();
            return ctx -> {
                String value = GrayFilter.value(source, name, ctx);
                return value != null && set.contains(value);
            };
        }
        if (rule instanceof GrayConfig.AppTagRule t) {
            String tag = t.appTag();
            return ctx -> {
                App app = ctx.get(StandardAttrs.APP);
                return app != null && app.grayTags().contains(tag);
            };
        }
        return GrayFilter.percent((GrayConfig.PercentRule) rule, seed);
    }
}
