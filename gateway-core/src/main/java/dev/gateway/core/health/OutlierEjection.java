package dev.gateway.core.health;

import dev.gateway.core.config.OutlierConfig;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive health of one target: {@code consecutive-failures} failures in a row (5xx responses, connect failures,
 * resets, timeouts) eject it for {@code base-ejection} times the number of its ejections, at most
 * {@code max-ejection}; a target that stayed in for {@code max-ejection} since its last ejection starts over at
 * one. The caller enforces {@code max-ejected} (see {@link TargetHealth}). Lock-free; a success costs one read.
 */
public final class OutlierEjection {
    private final OutlierConfig config;
    private final AtomicInteger consecutive = new AtomicInteger();
    /** When the current ejection ends (nanoTime), or 0 when never ejected. */
    private final AtomicLong ejectedUntil = new AtomicLong();
    private final AtomicInteger ejections = new AtomicInteger();

    public OutlierEjection(OutlierConfig config) {
        this.config = config;
    }

    public OutlierConfig config() {
        return config;
    }

    public boolean isEjected(long now) {
        long until = ejectedUntil.get();
        return until != 0 && now - until < 0;
    }

    /** Nanoseconds until the current ejection ends, or 0. */
    public long ejectedRemainingNanos(long now) {
        long until = ejectedUntil.get();
        return until != 0 && now - until < 0 ? until - now : 0;
    }

    /** Times this target was ejected (the multiplier of the next ejection's length, less one). */
    public int ejections() {
        return ejections.get();
    }

    public int consecutiveFailures() {
        return consecutive.get();
    }

    void onSuccess() {
        if (consecutive.get() != 0) {
            consecutive.set(0);
        }
    }

    /** Counts a failure; true when it reaches the threshold (the caller then asks {@link #eject}). */
    boolean onFailure(long now) {
        if (isEjected(now)) {
            return false; // a late failure of a request sent before the ejection
        }
        return consecutive.incrementAndGet() >= config.consecutiveFailures();
    }

    /** Ejects the target now unless another thread just did; true if this call ejected it. */
    boolean eject(long now) {
        long prev = ejectedUntil.get();
        if (prev != 0 && now - prev < 0) {
            return false;
        }
        long max = config.maxEjection().toNanos();
        int k;
        if (prev != 0 && now - prev >= max) {
            ejections.set(1);
            k = 1;
        } else {
            k = ejections.incrementAndGet();
        }
        long length = Math.min(max, config.baseEjection().toNanos() * k);
        if (!ejectedUntil.compareAndSet(prev, now + length)) {
            return false;
        }
        consecutive.set(0);
        return true;
    }
}
