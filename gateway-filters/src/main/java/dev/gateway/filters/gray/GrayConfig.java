package dev.gateway.filters.gray;

import dev.gateway.core.config.Binder;
import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.ListFile;
import dev.gateway.core.config.Problems;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * YAML: {@code filters: { gray: { upstream: orders-canary, rules: [...], response-header: X-Gray-Variant } }}. The
 * route's own upstream is the stable side, {@code upstream} the canary. Rules are tried in order; the first that
 * matches sends the request to the canary; none matching leaves it on stable. Bound by the binder: a rule is one of
 * the {@link Rule} records, picked by its tag key ({@code header}, {@code cookie}, {@code query}, {@code app-tag} or
 * {@code percent}).
 *
 * @param responseHeader a response header naming the variant that served the request, or null
 */
public record GrayConfig(@Binder.Required String upstream, @Binder.Required List<Rule> rules, String responseHeader) {
    public GrayConfig {
        rules = List.copyOf(rules);
    }

    /** Where a rule reads its value from. */
    public enum Source { HEADER, COOKIE, QUERY }

    /** One rule; matching sends the request to the canary. */
    public sealed interface Rule permits ValueRule, AppTagRule, PercentRule {}

    /**
     * {@code header|cookie|query: NAME} with one of {@code values} (an exact-match set), {@code values-file} (the same,
     * one value a line) or {@code pattern} (the value matches the regular expression: find).
     */
    public record ValueRule(@Binder.Tag String header, @Binder.Tag String cookie, @Binder.Tag String query,
            @Binder.OneOf("match") Set<String> values, @Binder.OneOf("match") ValuesFile valuesFile,
            @Binder.OneOf("match") Pattern pattern) implements Rule {
        public ValueRule {
            values = Set.copyOf(values);
        }

        public Source source() {
            return header != null ? Source.HEADER : cookie != null ? Source.COOKIE : Source.QUERY;
        }

        /** The header, cookie or query parameter name. */
        public String name() {
            return header != null ? header : cookie != null ? cookie : query;
        }

        /** {@code values} and the lines of {@code values-file}. */
        public Set<String> allValues() {
            if (valuesFile == null) {
                return values;
            }
            Set<String> all = new HashSet<>(values);
            all.addAll(valuesFile.values());
            return Set.copyOf(all);
        }

        @Override
        public String toString() {
            return "ValueRule[" + source().name().toLowerCase(Locale.ROOT) + " " + name() + ", "
                    + (pattern != null ? "pattern " + pattern : allValues().size() + " values") + "]";
        }
    }

    /** A values-file, read at load ({@link ListFile}); an unreadable file is a problem at its key. */
    public record ValuesFile(Set<String> values) {
        public ValuesFile {
            values = Set.copyOf(values);
        }

        static ValuesFile of(ConfigNode.ScalarNode file, Problems problems) {
            Set<String> out = new HashSet<>();
            for (ListFile.Line l : ListFile.read(file, problems)) {
                out.add(l.value());
            }
            return new ValuesFile(out);
        }
    }

    /** {@code app-tag: TAG}: the signing app's metadata gray-tags include it. */
    public record AppTagRule(@Binder.Tag @Binder.Required String appTag) implements Rule {}

    /** What a percent rule's sticky key is. */
    public enum KeyBy { HEADER, COOKIE, APP, IP }

    /** Where a request without the sticky key goes. */
    public enum Missing { STABLE, CANARY }

    /**
     * {@code percent: P} with {@code by: header:NAME | cookie:NAME | app | ip} and {@code missing: stable | canary}:
     * keys whose bucket (a hash of route id and key, 0..9999) is below P * 100 match.
     */
    public record PercentRule(@Binder.Tag Percentage percent, @Binder.Required StickyKey by, Missing missing)
            implements Rule {
        static PercentRule defaults() {
            return new PercentRule(null, null, Missing.STABLE);
        }
    }

    /** A percentage with at most two decimals, as basis points (P * 100, 0..10000). */
    public record Percentage(int basisPoints) {
        static Percentage of(String text) {
            BigDecimal v;
            try {
                v = new BigDecimal(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected a percentage (0-100), found '" + text + "'");
            }
            if (v.signum() < 0 || v.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new IllegalArgumentException(text + " is out of range [0, 100]");
            }
            if (v.scale() > 2) {
                throw new IllegalArgumentException(text + " has more than two decimals");
            }
            return new Percentage(v.movePointRight(2).intValueExact());
        }
    }

    /** A percent rule's sticky key: {@code header:NAME}, {@code cookie:NAME}, {@code app} or {@code ip}. */
    public record StickyKey(KeyBy kind, String name) {
        static StickyKey of(String text) {
            String b = text.trim();
            if (b.equals("app") || b.equals("ip")) {
                return new StickyKey(b.equals("app") ? KeyBy.APP : KeyBy.IP, null);
            }
            for (KeyBy k : List.of(KeyBy.HEADER, KeyBy.COOKIE)) {
                String prefix = k.name().toLowerCase(Locale.ROOT) + ":";
                if (b.startsWith(prefix) && b.length() > prefix.length()) {
                    return new StickyKey(k, b.substring(prefix.length()).trim());
                }
            }
            throw new IllegalArgumentException("expected header:NAME, cookie:NAME, app or ip, found '" + text + "'");
        }
    }
}
