package dev.gateway.core.health;

import dev.gateway.core.config.CircuitBreakerConfig;
import dev.gateway.core.time.TimeSource;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One target's circuit breaker. Closed: outcomes go into a sliding window, and a failure rate or slow-call rate at
 * its threshold (with at least {@code min-calls} calls) opens it. Open: {@link #tryAcquire} refuses until
 * {@code open-for} has passed, then the breaker turns half-open. Half-open: {@code half-open-calls} probes are let
 * through; when they all succeed it closes with an empty window, and the first failed or slow probe opens it again.
 *
 * <p>Lock-free: the state is an atomic integer changed by compare-and-set, so each transition happens (and is reported
 * to the {@link Transitions} listener) exactly once. Closed and nothing failing, a call costs a read of the state in
 * {@link #tryAcquire} and the window's one or two atomic operations in {@link #onResult}. Time comes from the
 * injected {@link TimeSource}'s nanoTime. Thread-safe; called on event loops.
 *
 * <p>A probe permit taken by a request that never reports (it was cancelled) is not lost for good: once a half-open
 * breaker has waited {@code open-for} for its probes, it hands the permits out again.
 */
public final class CircuitBreaker {

    /** Told about each state change, once, on the thread that made it. */
    @FunctionalInterface
    public interface Transitions {
        void changed(BreakerState from, BreakerState to);
    }

    private static final int CLOSED = 0;
    private static final int OPEN = 1;
    private static final int HALF_OPEN = 2;
    private static final BreakerState[] STATES = {BreakerState.CLOSED, BreakerState.OPEN, BreakerState.HALF_OPEN};

    private final CircuitBreakerConfig config;
    private final TimeSource clock;
    private final Transitions transitions;
    private final long slowNanos;
    private final long openForNanos;
    private final AtomicInteger state = new AtomicInteger(CLOSED);
    private volatile SlidingWindow window;
    /** While open: when it may turn half-open. */
    private volatile long openUntil;
    private final AtomicInteger probePermits = new AtomicInteger();
    private final AtomicInteger probeSuccesses = new AtomicInteger();
    /** While half-open: when the current probe permits were handed out. */
    private final AtomicLong probesSince = new AtomicLong();

    public CircuitBreaker(CircuitBreakerConfig config, TimeSource clock, Transitions transitions) {
        this.config = config;
        this.clock = clock;
        this.transitions = transitions;
        this.slowNanos = config.slowCallDuration() == null ? Long.MAX_VALUE : config.slowCallDuration().toNanos();
        this.openForNanos = config.openFor().toNanos();
        this.window = newWindow();
    }

    private SlidingWindow newWindow() {
        return config.isTimeBased() ? new TimeWindow(config.windowTime().toNanos())
                : new CountWindow(config.windowCalls());
    }

    public CircuitBreakerConfig config() {
        return config;
    }

    public BreakerState state() {
        return STATES[state.get()];
    }

    /** True when the breaker would refuse a request now (open and still waiting, or half-open with no permit left). */
    public boolean isRefusing() {
        int s = state.get();
        if (s == CLOSED) {
            return false;
        }
        long now = clock.nanoTime();
        if (s == OPEN) {
            return now - openUntil < 0;
        }
        return probePermits.get() <= 0 && now - probesSince.get() < openForNanos;
    }

    /**
     * Whether a request may go to the target now. Half-open, a true answer takes one of the probe permits, so call it
     * only for the target that will be used, and report the request's outcome through {@link #onResult}.
     */
    public boolean tryAcquire() {
        int s = state.get();
        if (s == CLOSED) {
            return true;
        }
        long now = clock.nanoTime();
        if (s == OPEN) {
            if (now - openUntil < 0) {
                return false;
            }
            // Set the probes up before the state says half-open; every contender writes the same values.
            probeSuccesses.set(0);
            probePermits.set(config.halfOpenCalls());
            probesSince.set(now);
            if (state.compareAndSet(OPEN, HALF_OPEN)) {
                transitions.changed(BreakerState.OPEN, BreakerState.HALF_OPEN);
            }
            s = state.get();
            if (s == CLOSED) {
                return true;
            }
            if (s == OPEN) {
                return false;
            }
        }
        if (probePermits.getAndDecrement() > 0) {
            return true;
        }
        long since = probesSince.get();
        if (now - since >= openForNanos && probesSince.compareAndSet(since, now)) {
            // The probes given out a whole open-for ago never reported (cancelled): hand them out again.
            probeSuccesses.set(0);
            probePermits.set(config.halfOpenCalls() - 1);
            return true;
        }
        return false;
    }

    /**
     * The outcome of a request that {@link #tryAcquire} let through: {@code failure} (a 5xx, a connect failure, a
     * reset or a timeout) and how long it took until the response head (or the failure).
     */
    public void onResult(boolean failure, long durationNanos) {
        boolean slow = durationNanos >= slowNanos;
        int s = state.get();
        if (s == CLOSED) {
            SlidingWindow w = window;
            long now = clock.nanoTime();
            boolean filling = w.record(failure, slow, now);
            if ((failure || slow || filling)
                    && w.exceeds(config.minCalls(), config.failureRatePercent(), config.slowCallRatePercent(), now)) {
                open(CLOSED, now);
            }
        } else if (s == HALF_OPEN) {
            if (failure || slow) {
                open(HALF_OPEN, clock.nanoTime());
            } else if (probeSuccesses.incrementAndGet() >= config.halfOpenCalls()) {
                window = newWindow();
                if (state.compareAndSet(HALF_OPEN, CLOSED)) {
                    transitions.changed(BreakerState.HALF_OPEN, BreakerState.CLOSED);
                }
            }
        }
        // Open: a late outcome of a request sent before it opened; it changes nothing.
    }

    private void open(int from, long now) {
        openUntil = now + openForNanos;
        if (state.compareAndSet(from, OPEN)) {
            transitions.changed(STATES[from], BreakerState.OPEN);
        }
    }

    /** While open, nanoseconds until it turns half-open (0 otherwise); for the admin API. */
    public long openRemainingNanos() {
        return state.get() == OPEN ? Math.max(0, openUntil - clock.nanoTime()) : 0;
    }
}
