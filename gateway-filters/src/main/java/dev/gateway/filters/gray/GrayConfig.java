package dev.gateway.filters.gray;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * YAML: {@code filters: { gray: { upstream: orders-canary, rules: [...], response-header: X-Gray-Variant } }}. The
 * route's own upstream is the stable side, {@code upstream} the canary. Rules are tried in order; the first that
 * matches sends the request to the canary; none matching leaves it on stable.
 *
 * @param responseHeader a response header naming the variant that served the request, or null
 */
public record GrayConfig(String upstream, List<Rule> rules, String responseHeader) {
    public GrayConfig {
        rules = List.copyOf(rules);
    }

    /** Where a rule reads its value from. */
    public enum Source { HEADER, COOKIE, QUERY }

    /** One rule; matching sends the request to the canary. */
    public sealed interface Rule {}

    /** {@code header|cookie|query: NAME} with {@code values} (inline or values-file): an exact-match set. */
    public record ValuesRule(Source source, String name, Set<String> values) implements Rule {
        public ValuesRule {
            values = Set.copyOf(values);
        }

        @Override
        public String toString() {
            return "ValuesRule[" + source + " " + name + ", " + values.size() + " values]";
        }
    }

    /** {@code header|cookie|query: NAME} with {@code pattern}: the value matches the regular expression (find). */
    public record PatternRule(Source source, String name, Pattern pattern) implements Rule {}

    /** {@code app-tag: TAG}: the signing app's metadata gray-tags include it. */
    public record AppTagRule(String tag) implements Rule {}

    /** What a percent rule's sticky key is. */
    public enum KeyBy { HEADER, COOKIE, APP, IP }

    /**
     * {@code percent: P} with {@code by: header:NAME | cookie:NAME | app | ip} and {@code missing: stable | canary}:
     * keys whose bucket (a hash of route id and key, 0..9999) is below P * 100 match.
     *
     * @param basisPoints P * 100, 0..10000
     */
    public record PercentRule(int basisPoints, KeyBy by, String name, boolean missingToCanary) implements Rule {}
}
