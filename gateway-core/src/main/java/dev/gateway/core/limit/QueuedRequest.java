package dev.gateway.core.limit;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * One request waiting in a queueing limit's queue for the token it reserved: served when the token is due, or gone
 * (and what it took given back) if it is abandoned first. Runs on the request's event loop.
 */
final class QueuedRequest implements Runnable {
    private final CompletableFuture<FilterResult> result = new CompletableFuture<>();
    private final Limit limit;
    private final Holds holds;
    private final LocalLimits store;
    private final long since;
    private ScheduledFuture<?> timer;
    private boolean done;

    QueuedRequest(Limit limit, Holds holds, LocalLimits store) {
        this.limit = limit;
        this.holds = holds;
        this.store = store;
        this.since = store.now();
    }

    /** Waits on {@code ctx}'s event loop for the token reserved {@code delay} nanoseconds ahead. */
    CompletionStage<FilterResult> start(RequestContext ctx, long delay) {
        limit.state.queued().incrementAndGet();
        timer = ctx.eventLoop().schedule(this, delay, TimeUnit.NANOSECONDS);
        ctx.onCancel(this::cancel);
        return result;
    }

    /** The reserved token is due: continue the chain (on the loop). */
    @Override
    public void run() {
        if (done) {
            return;
        }
        done = true;
        limit.state.queued().decrementAndGet();
        if (limit.queueWait != null) {
            limit.queueWait.record(Math.max(0, store.now() - since));
        }
        limit.admitted();
        result.complete(FilterResult.CONTINUE);
    }

    /** The client went away (or the filters timed out): leave the queue and take nothing. */
    private void cancel() {
        if (done) {
            return;
        }
        done = true;
        timer.cancel(false);
        limit.state.queued().decrementAndGet();
        holds.undo();
    }
}
