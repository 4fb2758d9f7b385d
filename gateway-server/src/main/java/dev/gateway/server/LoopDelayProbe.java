package dev.gateway.server;

import dev.gateway.core.metrics.LatencyHistogram;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Samples each event loop's scheduling delay: a task scheduled every {@link #PERIOD_NANOS} records how long after
 * its due time it ran ({@code gateway_event_loop_delay_seconds}). Everything on a loop waits behind the work in
 * front of it, so a loop that blocks, is handed too much work, or is starved of CPU shows here before it shows as
 * request latency. Twenty wake-ups a second per idle loop is the cost.
 */
public final class LoopDelayProbe implements Runnable {
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final LatencyHistogram delays;
    private long dueNanos;

    private LoopDelayProbe(LatencyHistogram delays) {
        this.delays = delays;
    }

    /** Starts one probe per loop of {@code group}; they stop with the group. */
    public static void start(EventLoopGroup group, LatencyHistogram delays) {
        for (EventExecutor e : group) {
            LoopDelayProbe p = new LoopDelayProbe(delays);
            EventLoop loop = (EventLoop) e;
            loop.execute(() -> {
                p.dueNanos = System.nanoTime() + PERIOD_NANOS;
                loop.scheduleWithFixedDelay(p, PERIOD_NANOS, PERIOD_NANOS, TimeUnit.NANOSECONDS);
            });
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        delays.record(now - dueNanos);
        // Fixed delay: the next run is due one period after this one ends, which is (about) now.
        dueNanos = now + PERIOD_NANOS;
    }
}
