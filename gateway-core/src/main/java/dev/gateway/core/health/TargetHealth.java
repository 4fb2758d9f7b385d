package dev.gateway.core.health;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.config.HealthCheckConfig;
import dev.gateway.core.config.OutlierConfig;
import dev.gateway.core.time.TimeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the gateway knows about the health of one target of one upstream: its circuit breaker, its outlier
 * ejection and its active checks' verdict (each present only when configured). Kept by the upstream layer's
 * {@code HealthRegistry} by (upstream, target) across configurations that configure it the same way, so a reload
 * does not reset it.
 *
 * <p>Every attempt's outcome comes through {@link #report} from one place in the upstream call. Thread-safe and
 * lock-free: attempts on any event loop report here, the active check writes its verdict from its own loop.
 */
public final class TargetHealth {
    private static final Logger logger = LoggerFactory.getLogger(TargetHealth.class);

    /** What configures a target's health state; a reload that changes it starts the target over. */
    public record Settings(CircuitBreakerConfig circuitBreaker, OutlierConfig outlierDetection,
            HealthCheckConfig healthCheck) {}

    private final String upstream;
    private final String target;
    private final Settings settings;
    private final TimeSource clock;
    private final CircuitBreaker breaker;
    private final OutlierEjection outlier;
    /** The active checks' verdict; always true without them. */
    private volatile boolean healthy = true;
    /** Consecutive check passes and failures; written only by the check's loop. */
    private int passes;
    private int fails;

    public TargetHealth(String upstream, String target, Settings settings, TimeSource clock) {
        this.upstream = upstream;
        this.target = target;
        this.settings = settings;
        this.clock = clock;
        this.breaker = settings.circuitBreaker() == null ? null
                : new CircuitBreaker(settings.circuitBreaker(), clock, this::breakerChanged);
        this.outlier = settings.outlierDetection() == null ? null : new OutlierEjection(settings.outlierDetection());
    }

    public String upstream() {
        return upstream;
    }

    public String target() {
        return target;
    }

    public Settings settings() {
        return settings;
    }

    /** The circuit breaker, or null. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** The outlier ejection state, or null. */
    public OutlierEjection outlier() {
        return outlier;
    }

    /** The active checks' verdict (true without active checks). */
    public boolean isHealthy() {
        return healthy;
    }

    public boolean isEjected() {
        return outlier != null && outlier.isEjected(clock.nanoTime());
    }

    /** Healthy and not ejected: the target may take traffic as far as health goes (its breaker aside). */
    public boolean isAvailable() {
        return healthy && (outlier == null || !outlier.isEjected(clock.nanoTime()));
    }

    /** Available, and its breaker lets a request through now (half-open: takes a probe permit). */
    public boolean tryAcquire() {
        return isAvailable() && (breaker == null || breaker.tryAcquire());
    }

    /** True when the breaker refuses requests now (open, or half-open with its probes out). */
    public boolean isCircuitOpen() {
        return breaker != null && breaker.isRefusing();
    }

    /**
     * One attempt's outcome. {@code failure}: a 5xx response, a connect failure, a reset before the response, a
     * timeout or an invalid response. {@code durationNanos}: from the attempt's start to its response head or
     * failure. {@code group}: the upstream the attempt was made in (its targets are counted for max-ejected).
     */
    public void report(boolean failure, long durationNanos, EjectionPeers group) {
        if (breaker != null) {
            breaker.onResult(failure, durationNanos);
        }
        if (outlier != null) {
            if (!failure) {
                outlier.onSuccess();
            } else {
                long now = clock.nanoTime();
                if (outlier.onFailure(now) && mayEject(group, now) && outlier.eject(now)) {
                    logger.warn("upstream {} target {}: ejected for {} ms after {} consecutive failures "
                            + "(ejection #{})", upstream, target, outlier.ejectedRemainingNanos(now) / 1_000_000,
                            outlier.config().consecutiveFailures(), outlier.ejections());
                }
            }
        }
    }

    /**
     * At most max-ejected percent of the group's targets (rounded down) are ejected at once, counting this one; as in
     * Envoy, one target may always be, so an upstream of one or two targets still ejects a failing one.
     */
    private boolean mayEject(EjectionPeers group, long now) {
        int n = group.size();
        int allowed = Math.max(1, n * outlier.config().maxEjectedPercent() / 100);
        int ejected = 0;
        for (int i = 0; i < n; i++) {
            TargetHealth h = group.peerHealth(i);
            if (h != null && h != this && h.outlier != null && h.outlier.isEjected(now)) {
                ejected++;
            }
        }
        return ejected + 1 <= allowed;
    }

    /** An active check's result; called on the check's event loop only. */
    public void checkResult(boolean passed, String detail) {
        HealthCheckConfig hc = settings.healthCheck();
        if (passed) {
            fails = 0;
            if (!healthy && ++passes >= hc.healthy()) {
                healthy = true;
                passes = 0;
                logger.warn("upstream {} target {}: healthy again ({} checks of {} passed)", upstream, target,
                        hc.healthy(), hc.path());
            }
        } else {
            passes = 0;
            if (healthy && ++fails >= hc.unhealthy()) {
                healthy = false;
                fails = 0;
                logger.warn("upstream {} target {}: unhealthy ({} checks of {} failed, last: {})", upstream, target,
                        hc.unhealthy(), hc.path(), detail);
            }
        }
    }

    private void breakerChanged(BreakerState from, BreakerState to) {
        logger.warn("upstream {} target {}: circuit breaker {} -> {}", upstream, target, from.label(), to.label());
    }

    /** Whether active checks are configured for this target (the upstream's health registry runs them). */
    public boolean checked() {
        return settings.healthCheck() != null;
    }

    TimeSource clock() {
        return clock;
    }

    /** The health clock's time now (nanoTime), for views that read ejection and breaker times. */
    public long registryClockNanos() {
        return clock.nanoTime();
    }

    @Override
    public String toString() {
        return upstream + " " + target;
    }
}
