package dev.gateway.filters.gray;

import dev.gateway.core.config.App;
import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.ListFile;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.Section;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.upstream.UpstreamGroup;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Builds {@code gray} filters, last before the terminal. Reading compiles patterns and loads values-files into hash
 * sets; creating checks that the canary upstream exists. Needs no service.
 */
public final class GrayFilterFactory implements FilterFactory<GrayConfig> {
    private static final String KINDS = "header, cookie, query, app-tag or percent";

    @Override
    public String name() {
        return "gray";
    }

    @Override
    public Class<GrayConfig> configType() {
        return GrayConfig.class;
    }

    /**
     * Gray rules are one of several shapes (values, values-file, pattern, app-tag, percent), compiled and read here
     * at load; the section is read by hand rather than bound.
     */
    @Override
    public GrayConfig read(ConfigNode section, Problems problems) {
        return read(Section.of(section, problems));
    }

    private GrayConfig read(Section s) {
        String upstream = s.requiredString("upstream");
        String header = s.string("response-header", null);
        List<GrayConfig.Rule> rules = new ArrayList<>();
        for (ConfigNode n : s.list("rules")) {
            GrayConfig.Rule r = readRule(Section.of(n, s.problems()));
            if (r != null) {
                rules.add(r);
            }
        }
        if (!s.has("rules")) {
            s.problems().add(s.node().location(), s.child("rules"), "at least one rule is required");
        }
        s.finish();
        return upstream == null ? null : new GrayConfig(upstream, rules, header);
    }

    private static GrayConfig.Rule readRule(Section r) {
        Problems p = r.problems();
        List<String> kinds = new ArrayList<>();
        for (String k : List.of("header", "cookie", "query", "app-tag", "percent")) {
            if (r.has(k)) {
                kinds.add(k);
            }
        }
        if (kinds.size() != 1) {
            p.add(r.node(), kinds.isEmpty() ? "a rule needs one of " + KINDS
                    : "a rule has exactly one of " + KINDS + ", found " + String.join(" and ", kinds));
            markAll(r);
            return null;
        }
        GrayConfig.Rule rule = switch (kinds.get(0)) {
            case "app-tag" -> new GrayConfig.AppTagRule(r.requiredString("app-tag"));
            case "percent" -> readPercent(r);
            default -> readValueRule(r, GrayConfig.Source.valueOf(kinds.get(0).toUpperCase(Locale.ROOT)),
                    r.string(kinds.get(0), null));
        };
        r.finish();
        return rule;
    }

    private static void markAll(Section r) {
        if (r.node() instanceof ConfigNode.MapNode m) {
            m.entries().keySet().forEach(r::raw);
        }
    }

    private static GrayConfig.Rule readValueRule(Section r, GrayConfig.Source source, String name) {
        Problems p = r.problems();
        boolean values = r.has("values");
        boolean file = r.has("values-file");
        boolean pattern = r.has("pattern");
        if ((values ? 1 : 0) + (file ? 1 : 0) + (pattern ? 1 : 0) != 1) {
            p.add(r.node(), "a " + source.name().toLowerCase(Locale.ROOT)
                    + " rule has exactly one of values, values-file or pattern");
            markAll(r);
            return null;
        }
        if (pattern) {
            String regex = r.string("pattern", "");
            try {
                return new GrayConfig.PatternRule(source, name, Pattern.compile(regex));
            } catch (PatternSyntaxException e) {
                p.add(r.raw("pattern"), "invalid regular expression: " + e.getDescription() + " near index "
                        + e.getIndex());
                return null;
            }
        }
        Set<String> set = new HashSet<>();
        if (values) {
            set.addAll(r.strings("values"));
        } else {
            for (ListFile.Line l : ListFile.read(r, "values-file")) {
                set.add(l.value());
            }
        }
        return name == null ? null : new GrayConfig.ValuesRule(source, name, set);
    }

    private static GrayConfig.Rule readPercent(Section r) {
        Problems p = r.problems();
        ConfigNode pn = r.raw("percent");
        int bp = -1;
        if (pn instanceof ConfigNode.ScalarNode sn && sn.value() != null) {
            try {
                BigDecimal v = new BigDecimal(sn.value().trim());
                if (v.signum() < 0 || v.compareTo(BigDecimal.valueOf(100)) > 0) {
                    p.add(sn, sn.value() + " is out of range [0, 100]");
                } else if (v.scale() > 2) {
                    p.add(sn, sn.value() + " has more than two decimals");
                } else {
                    bp = v.movePointRight(2).intValueExact();
                }
            } catch (NumberFormatException | ArithmeticException e) {
                p.add(sn, "expected a percentage (0-100), found '" + sn.value() + "'");
            }
        } else {
            p.add(pn, "expected a percentage (0-100)");
        }
        String by = r.requiredString("by");
        GrayConfig.KeyBy keyBy = null;
        String name = null;
        if (by != null) {
            String b = by.trim();
            if (b.equals("app")) {
                keyBy = GrayConfig.KeyBy.APP;
            } else if (b.equals("ip")) {
                keyBy = GrayConfig.KeyBy.IP;
            } else if (b.startsWith("header:") && b.length() > 7) {
                keyBy = GrayConfig.KeyBy.HEADER;
                name = b.substring(7).trim();
            } else if (b.startsWith("cookie:") && b.length() > 7) {
                keyBy = GrayConfig.KeyBy.COOKIE;
                name = b.substring(7).trim();
            } else {
                p.add(r.raw("by"), "expected header:NAME, cookie:NAME, app or ip, found '" + by + "'");
            }
        }
        String missing = r.string("missing", "stable");
        if (!missing.equals("stable") && !missing.equals("canary")) {
            p.add(r.raw("missing"), "expected stable or canary, found '" + missing + "'");
        }
        return bp < 0 || keyBy == null ? null
                : new GrayConfig.PercentRule(bp, keyBy, name, missing.equals("canary"));
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
        if (rule instanceof GrayConfig.ValuesRule v) {
            Set<String> set = v.values();
            return ctx -> {
                String value = GrayFilter.value(v.source(), v.name(), ctx);
                return value != null && set.contains(value);
            };
        }
        if (rule instanceof GrayConfig.PatternRule pr) {
            Pattern pattern = pr.pattern();
            return ctx -> {
                String value = GrayFilter.value(pr.source(), pr.name(), ctx);
                return value != null && pattern.matcher(value).find();
            };
        }
        if (rule instanceof GrayConfig.AppTagRule t) {
            String tag = t.tag();
            return ctx -> {
                App app = ctx.get(StandardAttrs.APP);
                return app != null && app.grayTags().contains(tag);
            };
        }
        return GrayFilter.percent((GrayConfig.PercentRule) rule, seed);
    }
}
