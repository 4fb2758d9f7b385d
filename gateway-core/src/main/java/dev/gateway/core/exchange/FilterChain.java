package dev.gateway.core.exchange;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.MDC;

/**
 * Runs a route's filters in order, on the request's event loop.
 *
 * <ul>
 *   <li>A filter that continues synchronously ({@link FilterResult#PROCEED}, recognised by identity) costs nothing:
 *       the common path allocates no object.</li>
 *   <li>Any other stage may complete on any thread; the chain resumes on the request's event loop, so filters never
 *       hop threads themselves.</li>
 *   <li>A filter that throws and a stage that fails are the same failure ({@link Listener#chainFailed}).</li>
 *   <li>The whole chain has a deadline; past it the request is abandoned ({@link RequestContext#cancel()}, which
 *       runs the filters' cancellation hooks) and {@link Listener#chainTimedOut} is told. A stage that completes
 *       after that, or after the client went away, is ignored.</li>
 * </ul>
 *
 * <p>{@code filtersBefore} in every outcome is the number of filters that ran before the deciding one: their
 * {@link GatewayFilter#onResponse} hooks apply to the response.
 */
public final class FilterChain {
    private FilterChain() {}

    /** What the chain tells its exchange; called on the event loop, exactly once per run. */
    public interface Listener {
        /** Every filter continued. */
        void chainContinued();

        /** A filter answered ({@link FilterResult.Respond}) or refused ({@link FilterResult.Refuse}). */
        void chainAnswered(FilterResult answer, int filtersBefore);

        /** A filter threw, or its stage failed or completed with nothing. */
        void chainFailed(Throwable cause, GatewayFilter filter, int filtersBefore);

        /** The chain ran past its deadline. */
        void chainTimedOut(int filtersBefore);
    }

    /**
     * Runs {@code filters} from index {@code from}. {@code deadlineNanos} (System.nanoTime) bounds the time the
     * asynchronous stages may take.
     */
    public static void run(GatewayFilter[] filters, int from, RequestContext ctx, long deadlineNanos, Listener l) {
        for (int i = from; i < filters.length; i++) {
            CompletionStage<FilterResult> stage;
            try {
                stage = filters[i].apply(ctx);
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                l.chainFailed(t, filters[i], i);
                return;
            }
            if (stage == FilterResult.PROCEED) {
                continue;
            }
            new Pending(filters, i, ctx, deadlineNanos, l).await(stage);
            return;
        }
        l.chainContinued();
    }

    /** One filter's stage that was not complete-and-continue: waits for it (allocated off the fast path only). */
    private static final class Pending implements BiConsumer<FilterResult, Throwable>, Runnable {
        private final GatewayFilter[] filters;
        private final int index;
        private final RequestContext ctx;
        private final long deadlineNanos;
        private final Listener listener;
        private ScheduledFuture<?> timer;
        /** Set on the loop once the outcome (result, timeout or cancellation) is decided. */
        private boolean settled;

        Pending(GatewayFilter[] filters, int index, RequestContext ctx, long deadlineNanos, Listener listener) {
            this.filters = filters;
            this.index = index;
            this.ctx = ctx;
            this.deadlineNanos = deadlineNanos;
            this.listener = listener;
        }

        void await(CompletionStage<FilterResult> stage) {
            EventLoop loop = ctx.eventLoop();
            long left = deadlineNanos - System.nanoTime();
            timer = loop.schedule(this::timeout, Math.max(left, 0), TimeUnit.NANOSECONDS);
            // The client going away (or the timeout) cancels the request: stop waiting and forget the stage.
            ctx.onCancel(this);
            stage.whenComplete(this);
        }

        /** The stage completed, on whatever thread: continue on the loop. */
        @Override
        public void accept(FilterResult result, Throwable failure) {
            EventLoop loop = ctx.eventLoop();
            if (loop.inEventLoop()) {
                resume(result, failure);
            } else {
                loop.execute(() -> {
                    try (MDC.MDCCloseable ignored = MDC.putCloseable("request_id", ctx.requestId())) {
                        resume(result, failure);
                    }
                });
            }
        }

        private void resume(FilterResult result, Throwable failure) {
            if (settled) {
                return;
            }
            settled = true;
            timer.cancel(false);
            if (failure != null) {
                listener.chainFailed(failure, filters[index], index);
            } else if (result == null) {
                listener.chainFailed(new NullPointerException("the filter's stage completed with null"),
                        filters[index], index);
            } else if (result instanceof FilterResult.Continue) {
                FilterChain.run(filters, index + 1, ctx, deadlineNanos, listener);
            } else {
                listener.chainAnswered(result, index);
            }
        }

        private void timeout() {
            if (settled) {
                return;
            }
            settled = true;
            ctx.cancel();
            listener.chainTimedOut(index);
        }

        /** The request was cancelled (the client went away): stop the timer, ignore the stage. */
        @Override
        public void run() {
            if (!settled) {
                settled = true;
                timer.cancel(false);
            }
        }
    }
}
