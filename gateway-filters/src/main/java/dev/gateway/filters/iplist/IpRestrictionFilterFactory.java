package dev.gateway.filters.iplist;

import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;

/**
 * Builds {@code ip-restriction} filters, first in the chain. A top-level {@code ip-restriction} section of gateway.yml
 * is the default of routes without their own. Needs no service.
 */
public final class IpRestrictionFilterFactory implements FilterFactory<IpRestrictionConfig> {

    @Override
    public String name() {
        return "ip-restriction";
    }

    @Override
    public boolean hasGlobalDefault() {
        return true;
    }

    @Override
    public Class<IpRestrictionConfig> configType() {
        return IpRestrictionConfig.class;
    }

    @Override
    public GatewayFilter create(FilterContext context, IpRestrictionConfig config) {
        return new IpRestrictionFilter(new CidrTrie(config.allowed()), new CidrTrie(config.denied()));
    }
}
