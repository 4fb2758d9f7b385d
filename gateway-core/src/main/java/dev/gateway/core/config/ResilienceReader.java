package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Percent;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.time.Duration;

/**
 * Binds a {@code circuit-breaker:} section (of an upstream or a route) and reads an upstream's {@code fallback:};
 * {@code outlier-detection:} and {@code health-check:} bind straight to their records. Off the event loops.
 */
final class ResilienceReader {
    private ResilienceReader() {}

    /** The YAML shape of {@code circuit-breaker:}; {@code slowCall} is null when slow calls are not counted. */
    record Breaker(@Percent(min = 1) int failureRate, SlowCall slowCall, Window window,
            @Range(min = 1, max = 100_000) int minCalls, @Positive Duration openFor,
            @Range(min = 1, max = 1000) int halfOpenCalls) implements Binder.Validated {
        static Breaker defaults() {
            return new Breaker(50, null, new Window(CircuitBreakerConfig.DEFAULT_WINDOW, null), 10,
                    Duration.ofSeconds(10), 3);
        }

        @Override
        public void validate(Problems problems) {
            if (window.calls() > 0 && minCalls > window.calls()) {
                problems.add("min-calls", minCalls + " is above the window of " + window.calls() + " calls");
            }
        }
    }

    record SlowCall(@Positive Duration duration, @Percent(min = 1) int rate) {
        static SlowCall defaults() {
            return new SlowCall(Duration.ofSeconds(2), 80);
        }
    }

    /** {@code window:} a number of calls (1..10000), or a time of at least 100ms. */
    record Window(int calls, Duration time) {
        static Window of(String text) {
            String v = text.trim();
            if (!v.isEmpty() && v.chars().allMatch(Character::isDigit)) {
                int n;
                try {
                    n = Integer.parseInt(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected an integer, found '" + text + "'");
                }
                if (n < 1 || n > 10_000) {
                    throw new IllegalArgumentException(n + " is out of range [1, 10000]");
                }
                return new Window(n, null);
            }
            Duration d = Section.parseDuration(v);
            if (d == null) {
                throw new IllegalArgumentException("expected a duration such as 500ms, 30s, 5m, found '" + text + "'");
            }
            if (d.isZero()) {
                throw new IllegalArgumentException("must be above 0");
            }
            if (d.toMillis() < 100) {
                throw new IllegalArgumentException("a time window is at least 100ms");
            }
            return new Window(0, d);
        }
    }

    /** {@code circuit-breaker:} at {@code node}. */
    static CircuitBreakerConfig circuitBreaker(ConfigNode node, Problems p) {
        Breaker b = Binder.bind(node, Breaker.class, p);
        SlowCall slow = b.slowCall();
        return new CircuitBreakerConfig(b.failureRate(), slow == null ? null : slow.duration(),
                slow == null ? 100 : slow.rate(), b.window().calls(), b.window().time(), b.minCalls(), b.openFor(),
                b.halfOpenCalls());
    }

    /** {@code fallback:} at {@code node}: {@code {upstream: name}} or a fixed response (the keys of a mock). */
    static FallbackConfig fallback(ConfigNode node, Problems p) {
        if (node instanceof ConfigNode.MapNode m && m.entries().containsKey("upstream")) {
            Upstream u = Binder.bind(node, Upstream.class, p);
            ConfigNode n = m.entries().get("upstream");
            return new FallbackConfig(u.upstream(), null, n.location(), n.path());
        }
        return new FallbackConfig(null, MockReader.read(node, p), node.location(), node.path());
    }

    /** {@code fallback: {upstream: name}}. */
    record Upstream(String upstream) {}
}
