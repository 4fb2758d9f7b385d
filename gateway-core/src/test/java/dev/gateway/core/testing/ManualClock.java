package dev.gateway.core.testing;

import dev.gateway.core.time.TimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A limiter clock moved by hand: nanoseconds and wall-clock milliseconds advance together. */
public final class ManualClock implements TimeSource {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final long startMillis;

    public ManualClock(Instant wallClockStart) {
        this.startMillis = wallClockStart.toEpochMilli();
    }

    public ManualClock() {
        this(Instant.parse("2026-11-27T10:00:00Z"));
    }

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    public void advanceNanos(long n) {
        nanos.addAndGet(n);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    @Override
    public long currentTimeMillis() {
        return startMillis + (nanos.get() - 1_000_000_000L) / 1_000_000L;
    }
}
