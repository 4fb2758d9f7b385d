package dev.gateway.filters.iplist;

import dev.gateway.core.config.Cidr;
import java.util.List;

/**
 * YAML: {@code filters: { ip-restriction: { allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.1.2.3] } }}, or the same
 * section at the top level of gateway.yml as the default of every route that has none. A bare address is a /32 or
 * /128; {@code allow-file} and {@code deny-file} add one CIDR per line from a file. Deny wins; with an allow list, every other address is denied.
 */
public record IpRestrictionConfig(List<Cidr> allow, List<Cidr> deny) {
    public IpRestrictionConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }
}
