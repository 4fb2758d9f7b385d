package dev.gateway.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * A route's {@code retries:} section: how many attempts a request gets in all ({@code attempts}, the first one
 * included), on which failures ({@code on}: causes and upstream statuses), the jittered exponential backoff between
 * attempts, and the retry budget of the route (retries at most {@code budgetRatio} of its requests over a sliding
 * window, plus {@code budgetMinPerSecond}). {@code nonIdempotent}: POST and PATCH are retried too.
 */
public record RetriesConfig(int attempts, Set<Cause> causes, Set<Integer> statuses, Duration backoffBase,
        Duration backoffMax, double budgetRatio, int budgetMinPerSecond, boolean nonIdempotent) {

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
        causes = Set.copyOf(causes);
        statuses = Set.copyOf(statuses);
    }
}
