package dev.gateway.server.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes (tests never sleep in place of waiting for something). */
public final class Await {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private Await() {}

    /** Returns once {@code condition} holds; throws AssertionError naming {@code what} after {@code max}. */
    public static void until(Duration max, String what, BooleanSupplier condition) {
        if (!holdsWithin(max, condition)) {
            throw new AssertionError("timed out after " + max + " waiting until " + what);
        }
    }

    /** True as soon as {@code condition} holds, false if it still does not after {@code max}. */
    public static boolean holdsWithin(Duration max, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause(POLL_NANOS);
        }
        return true;
    }

    /** The first non-null value {@code probe} gives; throws AssertionError naming {@code what} after {@code max}. */
    public static <T> T value(Duration max, String what, java.util.function.Supplier<T> probe) {
        long deadline = System.nanoTime() + max.toNanos();
        T v;
        while ((v = probe.get()) == null) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + max + " waiting for " + what);
            }
            pause(POLL_NANOS);
        }
        return v;
    }

    /** The interval between two readings of a polled value. */
    public static void pause(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while polling", e);
        }
    }
}
