package dev.gateway.filters.iplist;

import dev.gateway.core.config.Cidr;
import dev.gateway.core.config.Section;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.config.ListFile;
import java.util.ArrayList;
import java.util.List;

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
    public IpRestrictionConfig read(Section s) {
        IpRestrictionConfig c = new IpRestrictionConfig(cidrs(s, "allow"), cidrs(s, "deny"));
        if (s.has("allow-file")) {
            c = new IpRestrictionConfig(concat(c.allow(), fileCidrs(s, "allow-file")), c.deny());
        }
        if (s.has("deny-file")) {
            c = new IpRestrictionConfig(c.allow(), concat(c.deny(), fileCidrs(s, "deny-file")));
        }
        s.finish();
        return c;
    }

    private static List<Cidr> cidrs(Section s, String key) {
        return s.scalars(key, n -> {
            Cidr c = Cidr.parse(n.value());
            if (c == null) {
                s.problems().add(n, "'" + n.value() + "' is not an IPv4 or IPv6 address or CIDR");
            }
            return c;
        });
    }

    private static List<Cidr> fileCidrs(Section s, String key) {
        List<Cidr> out = new ArrayList<>();
        for (ListFile.Line l : ListFile.read(s, key)) {
            Cidr c = Cidr.parse(l.value());
            if (c == null) {
                s.problems().add(l.location(), "", "'" + l.value() + "' is not an IPv4 or IPv6 address or CIDR");
            } else {
                out.add(c);
            }
        }
        return out;
    }

    private static List<Cidr> concat(List<Cidr> a, List<Cidr> b) {
        List<Cidr> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Override
    public GatewayFilter create(FilterContext context, IpRestrictionConfig config) {
        return new IpRestrictionFilter(new CidrTrie(config.allow()), new CidrTrie(config.deny()));
    }
}
