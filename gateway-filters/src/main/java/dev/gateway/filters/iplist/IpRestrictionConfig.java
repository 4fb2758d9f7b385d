package dev.gateway.filters.iplist;

import dev.gateway.core.config.Cidr;
import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.ListFile;
import dev.gateway.core.config.Problems;
import java.util.ArrayList;
import java.util.List;

/**
 * YAML: {@code filters: { ip-restriction: { allow: [10.0.0.0/8, "2001:db8::/32"], deny: [10.1.2.3] } }}, or the same
 * section at the top level of gateway.yml as the default of every route that has none. A bare address is a /32 or
 * /128; {@code allow-file} and {@code deny-file} add one CIDR per line from a file. Deny wins; with an allow list, every other address is denied.
 */
public record IpRestrictionConfig(List<Cidr> allow, List<Cidr> deny, CidrFile allowFile, CidrFile denyFile) {
    public IpRestrictionConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Inline lists only. */
    public IpRestrictionConfig(List<Cidr> allow, List<Cidr> deny) {
        this(allow, deny, null, null);
    }

    /** {@code allow} and the networks of {@code allow-file}. */
    public List<Cidr> allowed() {
        return allowFile == null ? allow : concat(allow, allowFile.cidrs());
    }

    /** {@code deny} and the networks of {@code deny-file}. */
    public List<Cidr> denied() {
        return denyFile == null ? deny : concat(deny, denyFile.cidrs());
    }

    private static List<Cidr> concat(List<Cidr> a, List<Cidr> b) {
        List<Cidr> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    /** A file of networks, one per line ({@link ListFile}), read at load; bad lines are located problems. */
    public record CidrFile(List<Cidr> cidrs) {
        public CidrFile {
            cidrs = List.copyOf(cidrs);
        }

        static CidrFile of(ConfigNode.ScalarNode file, Problems problems) {
            List<Cidr> out = new ArrayList<>();
            for (ListFile.Line l : ListFile.read(file, problems)) {
                try {
                    out.add(Cidr.of(l.value()));
                } catch (IllegalArgumentException e) {
                    problems.add(l.location(), "", e.getMessage());
                }
            }
            return new CidrFile(out);
        }
    }
}
