package dev.gateway.core.config;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** Reads a route's {@code retries:} section; every problem located. Off the event loops. */
final class RetriesReader {
    static final int DEFAULT_ATTEMPTS = 2;
    static final Duration DEFAULT_BASE = Duration.ofMillis(25);
    static final Duration DEFAULT_MAX = Duration.ofMillis(250);
    static final double DEFAULT_RATIO = 0.2;
    static final int DEFAULT_MIN_PER_SECOND = 5;

    private RetriesReader() {}

    static RetriesConfig read(Section s) {
        Problems p = s.problems();
        int attempts = s.integer("attempts", DEFAULT_ATTEMPTS, 1, 10);
        Set<RetriesConfig.Cause> causes = EnumSet.noneOf(RetriesConfig.Cause.class);
        Set<Integer> statuses = new LinkedHashSet<>();
        if (!s.has("on")) {
            s.raw("on");
            causes.add(RetriesConfig.Cause.CONNECT_FAILURE);
            causes.add(RetriesConfig.Cause.RESET_BEFORE_RESPONSE);
            statuses.addAll(Set.of(502, 503, 504));
        } else {
            s.scalars("on", n -> {
                String v = n.value().trim().toLowerCase(Locale.ROOT);
                if (v.matches("5\\d\\d")) {
                    statuses.add(Integer.parseInt(v));
                    return v;
                }
                for (RetriesConfig.Cause c : RetriesConfig.Cause.values()) {
                    if (c.tag().equals(v)) {
                        causes.add(c);
                        return v;
                    }
                }
                p.add(n, "expected one of " + Section.enumNames(RetriesConfig.Cause.class)
                        + " or a status 500-599, found '" + n.value() + "'");
                return null;
            });
        }
        Section backoff = s.section("backoff");
        Duration base = backoff.duration("base", DEFAULT_BASE);
        Duration max = backoff.duration("max", DEFAULT_MAX);
        if (max.compareTo(base) < 0) {
            p.add(backoff.raw("max") != null ? backoff.raw("max").location() : backoff.node().location(),
                    backoff.child("max"), max.toMillis() + "ms is below base " + base.toMillis() + "ms");
            max = base;
        }
        backoff.finish();
        Section budget = s.section("budget");
        double ratio = percent(budget, "ratio", DEFAULT_RATIO);
        int minPerSecond = budget.integer("min-per-second", DEFAULT_MIN_PER_SECOND, 0, 100_000);
        budget.finish();
        boolean nonIdempotent = s.bool("non-idempotent", false);
        s.finish();
        return new RetriesConfig(attempts, causes, statuses, base, max, ratio, minPerSecond, nonIdempotent);
    }

    /** {@code 20%} as 0.2, in [0%, 100%]. */
    private static double percent(Section s, String key, double def) {
        ConfigNode n = s.raw(key);
        if (n == null || n instanceof ConfigNode.ScalarNode sn && sn.value() == null) {
            return def;
        }
        if (n instanceof ConfigNode.ScalarNode sn) {
            String v = sn.value().trim();
            if (v.endsWith("%")) {
                try {
                    double d = Double.parseDouble(v.substring(0, v.length() - 1).trim());
                    if (d >= 0 && d <= 100) {
                        return d / 100;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            s.problems().add(n, "expected a percentage from 0% to 100%, found '" + v + "'");
            return def;
        }
        s.problems().add(n, "expected a scalar, found " + n.kind());
        return def;
    }
}
