package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Range;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A route's {@code retries:} section, bound by {@link Binder}: how many attempts a request gets in all
 * ({@code attempts}, the first one included), on which failures ({@code on}: causes and upstream statuses), the
 * jittered exponential backoff between attempts, and the retry budget of the route (retries at most
 * {@link #budgetRatio()} of its requests over a sliding window, plus {@link #budgetMinPerSecond()}).
 * {@code nonIdempotent}: POST and PATCH are retried too.
 */
public record RetriesConfig(@Range(min = 1, max = 10) int attempts, List<On> on, Backoff backoff, Budget budget,
        boolean nonIdempotent) {

    /** Failures before any response that a route may retry on. */
    public enum Cause {
        /** The connection was refused, timed out, or the pool's queue was full: the request never left. */
        CONNECT_FAILURE,
        /** The connection closed or reset after the request was sent, before any byte of response. */
        RESET_BEFORE_RESPONSE,
        /** No response head within the route's timeout (each attempt gets the whole timeout again). */
        RESPONSE_TIMEOUT;

        /** The YAML name, also the {@code reason} tag of the retry counter. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public RetriesConfig {
        on = List.copyOf(on);
    }

    static RetriesConfig defaults() {
        return new RetriesConfig(2, List.of(On.of("connect-failure"), On.of("reset-before-response"), On.of("502"),
                On.of("503"), On.of("504")), Backoff.defaults(), Budget.defaults(), false);
    }

    /** One item of {@code on}: a cause, or a status 500-599 ({@code cause} null). */
    public record On(Cause cause, int status) {
        public static On of(String text) {
            String v = text.trim().toLowerCase(Locale.ROOT);
            if (v.matches("5\\d\\d")) {
                return new On(null, Integer.parseInt(v));
            }
            for (Cause c : Cause.values()) {
                if (c.tag().equals(v)) {
                    return new On(c, 0);
                }
            }
            throw new IllegalArgumentException("expected one of " + Section.enumNames(Cause.class)
                    + " or a status 500-599, found '" + text + "'");
        }
    }

    public record Backoff(Duration base, Duration max) implements Binder.Validated {
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

    public record Budget(Ratio ratio, @Range(min = 0, max = 100_000) int minPerSecond) {
        static Budget defaults() {
            return new Budget(new Ratio(0.2), 5);
        }
    }

    /** {@code 20%} as 0.2, in [0%, 100%]. */
    public record Ratio(double value) {
        public static Ratio of(String text) {
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

    /** The causes that {@code on} names. */
    public Set<Cause> causes() {
        Set<Cause> out = EnumSet.noneOf(Cause.class);
        on.stream().filter(o -> o.cause() != null).forEach(o -> out.add(o.cause()));
        return out;
    }

    /** The upstream statuses that {@code on} names. */
    public Set<Integer> statuses() {
        Set<Integer> out = new LinkedHashSet<>();
        on.stream().filter(o -> o.cause() == null).forEach(o -> out.add(o.status()));
        return out;
    }

    public Duration backoffBase() {
        return backoff.base();
    }

    public Duration backoffMax() {
        return backoff.max();
    }

    public double budgetRatio() {
        return budget.ratio().value();
    }

    public int budgetMinPerSecond() {
        return budget.minPerSecond();
    }
}
