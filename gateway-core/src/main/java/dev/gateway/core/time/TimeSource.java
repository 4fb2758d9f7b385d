package dev.gateway.core.time;

/**
 * The time the limiters, circuit breakers, outlier ejection and retry budgets read: a monotonic nanosecond ticker
 * for token buckets, queues and windows, and wall-clock milliseconds for quota windows (a day starts at midnight in
 * a time zone). Injected, so tests move time by hand.
 */
public interface TimeSource {
    long nanoTime();

    long currentTimeMillis();

    TimeSource SYSTEM = new TimeSource() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }
    };
}
