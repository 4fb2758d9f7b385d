package dev.gateway.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an upstream's {@code circuit-breaker:}, {@code outlier-detection:}, {@code health-check:} and
 * {@code fallback:} sections; every problem located. Off the event loops.
 */
final class ResilienceReader {
    private static final Pattern PERCENT = Pattern.compile("(\\d{1,3})\\s*%?");
    private static final Pattern STATUS_RANGE = Pattern.compile("([1-5]\\d\\d)(?:\\s*-\\s*([1-5]\\d\\d))?");

    private ResilienceReader() {}

    /** {@code circuit-breaker:}, or null when absent. */
    static CircuitBreakerConfig circuitBreaker(Section up) {
        if (!up.has("circuit-breaker")) {
            up.raw("circuit-breaker");
            return null;
        }
        Section s = up.section("circuit-breaker");
        int failureRate = percent(s, "failure-rate", 50, 1);
        Duration slowDuration = null;
        int slowRate = 100;
        if (s.has("slow-call")) {
            Section slow = s.section("slow-call");
            slowDuration = slow.positiveDuration("duration", Duration.ofSeconds(2));
            slowRate = percent(slow, "rate", 80, 1);
            slow.finish();
        } else {
            s.raw("slow-call");
        }
        int windowCalls = CircuitBreakerConfig.DEFAULT_WINDOW;
        Duration windowTime = null;
        String w = s.string("window", null);
        if (w != null) {
            String v = w.trim();
            if (v.chars().allMatch(Character::isDigit) && !v.isEmpty()) {
                windowCalls = s.integer("window", CircuitBreakerConfig.DEFAULT_WINDOW, 1, 10_000);
            } else {
                windowCalls = 0;
                windowTime = s.positiveDuration("window", Duration.ofSeconds(10));
                if (windowTime.toMillis() < 100) {
                    s.problems().add(s.raw("window"), "a time window is at least 100ms");
                    windowTime = Duration.ofSeconds(10);
                }
            }
        }
        int minCalls = s.integer("min-calls", 10, 1, 100_000);
        if (windowCalls > 0 && minCalls > windowCalls) {
            s.problems().add(s.raw("min-calls"), minCalls + " is above the window of " + windowCalls + " calls");
        }
        Duration openFor = s.positiveDuration("open-for", Duration.ofSeconds(10));
        int halfOpenCalls = s.integer("half-open-calls", 3, 1, 1000);
        s.finish();
        return new CircuitBreakerConfig(failureRate, slowDuration, slowRate, windowCalls, windowTime, minCalls,
                openFor, halfOpenCalls);
    }

    /** {@code outlier-detection:}, or null when absent. */
    static OutlierConfig outlierDetection(Section up) {
        if (!up.has("outlier-detection")) {
            up.raw("outlier-detection");
            return null;
        }
        Section s = up.section("outlier-detection");
        int consecutive = s.integer("consecutive-failures", 5, 1, 10_000);
        Duration base = s.positiveDuration("base-ejection", Duration.ofSeconds(30));
        Duration max = s.positiveDuration("max-ejection", Duration.ofSeconds(300));
        if (max.compareTo(base) < 0) {
            s.problems().add(s.raw("max-ejection"), "is below base-ejection " + base);
            max = base;
        }
        int maxEjected = percent(s, "max-ejected", 50, 0);
        s.finish();
        return new OutlierConfig(consecutive, base, max, maxEjected);
    }

    /** {@code health-check:}, or null when absent. */
    static HealthCheckConfig healthCheck(Section up) {
        if (!up.has("health-check")) {
            up.raw("health-check");
            return null;
        }
        Section s = up.section("health-check");
        String path = s.string("path", "/health");
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            s.problems().add(s.raw("path"), "expected an absolute path such as /health, found '" + path + "'");
            path = "/health";
        }
        Duration interval = s.positiveDuration("interval", Duration.ofSeconds(5));
        Duration timeout = s.positiveDuration("timeout", Duration.ofSeconds(1));
        if (timeout.compareTo(interval) > 0) {
            s.problems().add(s.raw("timeout"), "is above the interval " + interval);
        }
        int healthy = s.integer("healthy", 2, 1, 100);
        int unhealthy = s.integer("unhealthy", 3, 1, 100);
        List<HealthCheckConfig.StatusRange> statuses = new ArrayList<>(s.scalars("statuses", n -> {
            Matcher m = STATUS_RANGE.matcher(n.value().trim());
            if (!m.matches()) {
                s.problems().add(n, "expected a status or a range such as 200-399, found '" + n.value() + "'");
                return null;
            }
            int from = Integer.parseInt(m.group(1));
            int to = m.group(2) == null ? from : Integer.parseInt(m.group(2));
            if (to < from) {
                s.problems().add(n, "the range " + n.value() + " is empty");
                return null;
            }
            return new HealthCheckConfig.StatusRange(from, to);
        }));
        if (statuses.isEmpty()) {
            statuses.add(new HealthCheckConfig.StatusRange(200, 399));
        }
        s.finish();
        return new HealthCheckConfig(path, interval, timeout, healthy, unhealthy, statuses);
    }

    /** {@code fallback:}, or null when absent: {@code {upstream: name}} or a fixed response. */
    static FallbackConfig fallback(Section up) {
        if (!up.has("fallback")) {
            up.raw("fallback");
            return null;
        }
        Section s = up.section("fallback");
        if (s.has("upstream")) {
            String name = s.string("upstream", null);
            s.finish();
            return new FallbackConfig(name, null, s.raw("upstream").location(), s.child("upstream"));
        }
        MockConfig response = MockReader.read(s);
        return new FallbackConfig(null, response, s.node().location(), s.node().path());
    }

    /** {@code 50%} or {@code 50}, in [min, 100]. */
    private static int percent(Section s, String key, int def, int min) {
        String v = s.string(key, null);
        if (v == null) {
            return def;
        }
        Matcher m = PERCENT.matcher(v.trim());
        int p = m.matches() ? Integer.parseInt(m.group(1)) : -1;
        if (p < min || p > 100) {
            s.problems().add(s.raw(key), "expected a percentage in " + min + "%.." + "100%, found '" + v + "'");
            return def;
        }
        return p;
    }
}
