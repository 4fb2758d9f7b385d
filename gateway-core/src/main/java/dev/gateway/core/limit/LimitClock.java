package dev.gateway.core.limit;

/**
 * The time the limiters read: a monotonic nanosecond ticker for token buckets and queues, and wall-clock
 * milliseconds for quota windows (a day starts at midnight in a time zone). Injected, so tests move time by hand.
 */
public interface LimitClock {
    long nanoTime();

    long currentTimeMillis();

    LimitClock SYSTEM = new LimitClock() {
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
