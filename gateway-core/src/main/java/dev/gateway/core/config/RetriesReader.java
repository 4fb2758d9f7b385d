package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Range;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Binds a route's {@code retries:} section to a {@link RetriesConfig}; every problem located. Off the event loops. */
final class RetriesReader {
    private RetriesReader() {}

    /** The YAML shape; {@code on} is null when absent (the default causes and statuses). */
    record Retries(@Range(min = 1, max = 10) int attempts, List<On> on, Backoff backoff, Budget budget,
            boolean nonIdempotent) {
        static Retries defaults() {
            return new Retries(2, null, Backoff.defaults(), Budget.defaults(), false);
        }
    }

    /** One item of {@code on}: a cause, or a status 500-599. */
    record On(RetriesConfig.Cause cause, int status) {
        static On of(String text) {
            String v = text.trim().toLowerCase(Locale.ROOT);
            if (v.matches("5\\d\\d")) {
                return new On(null, Integer.parseInt(v));
            }
            for (RetriesConfig.Cause c : RetriesConfig.Cause.values()) {
                if (c.tag().equals(v)) {
                    return new On(c, 0);
                }
            }
            throw new IllegalArgumentException("expected one of " + Section.enumNames(RetriesConfig.Cause.class)
                    + " or a status 500-599, found '" + text + "'");
        }
    }

    record Backoff(Duration base, Duration max) implements Binder.Validated {
        static Backoff defaults() {
            return new Backoff(Duration.ofMillis(25), Duration.ofMillis(250));
        }

        @Override
        public void validate(Problems problems) {
            if (max.compareTo(base) < 0) {
                problems.add("max", max.toMillis() + "ms is below base " + base.toMillis() + "ms");
            }
        }
    }

    record Budget(Ratio ratio, @Range(min = 0, max = 100_000) int minPerSecond) {
        static Budget defaults() {
            return new Budget(new Ratio(0.2), 5);
        }
    }

    /** {@code 20%} as 0.2, in [0%, 100%]. */
    record Ratio(double value) {
        static Ratio of(String text) {
            String v = text.trim();
            if (v.endsWith("%")) {
                try {
                    double d = Double.parseDouble(v.substring(0, v.length() - 1).trim());
                    if (d >= 0 && d <= 100) {
                        return new Ratio(d / 100);
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
            }
            throw new IllegalArgumentException("expected a percentage from 0% to 100%, found '" + v + "'");
        }
    }

    static RetriesConfig read(ConfigNode node, Problems p) {
        Retries r = Binder.bind(node, Retries.class, p);
        Set<RetriesConfig.Cause> causes = EnumSet.noneOf(RetriesConfig.Cause.class);
        Set<Integer> statuses = new LinkedHashSet<>();
        if (r.on() == null) {
            causes.addAll(Set.of(RetriesConfig.Cause.CONNECT_FAILURE, RetriesConfig.Cause.RESET_BEFORE_RESPONSE));
            statuses.addAll(Set.of(502, 503, 504));
        }
        for (On on : r.on() == null ? List.<On>of() : r.on()) {
            if (on.cause() != null) {
                causes.add(on.cause());
            } else {
                statuses.add(on.status());
            }
        }
        Duration max = r.backoff().max().compareTo(r.backoff().base()) < 0 ? r.backoff().base() : r.backoff().max();
        return new RetriesConfig(r.attempts(), causes, statuses, r.backoff().base(), max, r.budget().ratio().value(),
                r.budget().minPerSecond(), r.nonIdempotent());
    }
}
