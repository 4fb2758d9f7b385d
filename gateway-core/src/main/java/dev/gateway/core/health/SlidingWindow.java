package dev.gateway.core.health;

/**
 * The calls a closed circuit breaker has seen recently, counted without locks: the last N calls
 * ({@link CountWindow}) or the calls of the last T ({@link TimeWindow}). Recording a plain success costs one or two
 * atomic operations; the rates are only computed after a failure or a slow call, when they may have crossed a
 * threshold, or while a count window fills (a success can complete {@code min-calls}; a time window opens at its
 * next failure instead). Counts are approximate under contention (a few calls either way), never wrong for long. Thread-safe.
 */
interface SlidingWindow {

    /**
     * Records one call. True when it may have brought the window up to its minimum number of calls (a count
     * window that is still filling), so the rates are worth computing even after a success.
     */
    boolean record(boolean failure, boolean slow, long nowNanos);

    /**
     * True when the window holds at least {@code minCalls} calls and the failure rate reached
     * {@code failureRatePercent} or the slow-call rate reached {@code slowRatePercent}.
     */
    boolean exceeds(int minCalls, int failureRatePercent, int slowRatePercent, long nowNanos);

    static boolean exceeds(int calls, int failures, int slows, int minCalls, int failureRatePercent,
            int slowRatePercent) {
        return calls >= minCalls && calls > 0
                && ((long) failures * 100 >= (long) failureRatePercent * calls
                        || (long) slows * 100 >= (long) slowRatePercent * calls);
    }
}
