package dev.gateway.core.terminal;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one deadline a {@link ClientFlow} keeps for its listener ({@link ClientFlow#wakeBy}), for flows that have no
 * connection-wide timer to share (an HTTP/2 stream, a batch item). A later deadline does not reschedule: the timer
 * already set fires first and sets itself again for what is left, so moving the deadline on costs no task. Used on one
 * event loop only.
 */
public final class DeadlineAlarm {
    private final Runnable onDeadline;
    private long deadlineNanos;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private EventExecutor loop;

    /** @param onDeadline runs on the loop once the deadline has passed (the flow checks its listener is still there) */
    public DeadlineAlarm(Runnable onDeadline) {
        this.onDeadline = onDeadline;
    }

    /** Fires {@code onDeadline} once {@code deadline} (System.nanoTime) has passed; 0 clears the deadline. */
    public void set(EventExecutor loop, long deadline) {
        this.loop = loop;
        deadlineNanos = deadline;
        if (deadline == 0 || (timer != null && timerAt - deadline <= 0)) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = deadline;
        timer = loop.schedule(this::fire, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** No more wake-ups: the flow ended. */
    public void cancel() {
        deadlineNanos = 0;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void fire() {
        timer = null;
        long d = deadlineNanos;
        if (d == 0) {
            return;
        }
        if (d - System.nanoTime() <= 0) {
            deadlineNanos = 0;
            onDeadline.run();
        } else {
            set(loop, d);
        }
    }
}
