package dev.gateway.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayError;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The chain runner on a real event loop (its own thread), so that which thread resumes the chain is observable. */
class FilterChainTest {
    private static final long NO_DEADLINE = TimeUnit.HOURS.toNanos(1);

    private final EventLoop loop = new DefaultEventLoop((java.util.concurrent.ThreadFactory) r -> new Thread(r, "chain-loop"));
    private final List<String> ran = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> outcome = new CompletableFuture<>();
    private RequestContext ctx;

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private GatewayFilter filter(String name, Function<RequestContext, CompletionStage<FilterResult>> action) {
        return c -> {
            ran.add(name + "@" + Thread.currentThread().getName());
            return action.apply(c);
        };
    }

    private GatewayFilter proceeds(String name) {
        return filter(name, c -> FilterResult.proceed());
    }

    /** Records the outcome, and on which thread it was told. */
    private final FilterChain.Listener listener = new FilterChain.Listener() {
        @Override
        public void chainContinued() {
            outcome.complete("continued@" + Thread.currentThread().getName());
        }

        @Override
        public void chainAnswered(FilterResult answer, int filtersBefore) {
            outcome.complete("answered " + ((FilterResult.Refuse) answer).error().code() + " after " + filtersBefore);
        }

        @Override
        public void chainFailed(Throwable cause, GatewayFilter filter, int filtersBefore) {
            outcome.complete("failed " + cause.getMessage() + " after " + filtersBefore);
        }

        @Override
        public void chainTimedOut(int filtersBefore) {
            outcome.complete("timed out after " + filtersBefore);
        }
    };

    private RequestContext newContext() {
        return new RequestContext("r-1", HttpMethod.GET, "/x", "/x", null, new DefaultHttpHeaders(), "route", null,
                InetAddress.getLoopbackAddress(), loop, System.nanoTime(), "HTTP/1.1");
    }

    /** Runs the chain on the loop, as the exchange does, and waits for its outcome. */
    private String run(long deadlineFromNowNanos, GatewayFilter... filters) throws Exception {
        ctx = newContext();
        long deadline = System.nanoTime() + deadlineFromNowNanos;
        loop.execute(() -> FilterChain.run(filters, 0, ctx, deadline, listener));
        return outcome.get(10, TimeUnit.SECONDS);
    }

    @Test
    void runsFiltersInOrderAndContinues() throws Exception {
        String out = run(NO_DEADLINE, proceeds("a"), proceeds("b"), proceeds("c"));

        assertThat(out).isEqualTo("continued@chain-loop");
        assertThat(ran).containsExactly("a@chain-loop", "b@chain-loop", "c@chain-loop");
    }

    @Test
    void aRefusalShortCircuitsTheChain() throws Exception {
        String out = run(NO_DEADLINE, proceeds("a"),
                filter("b", c -> FilterResult.refuse(new GatewayError(403, "no", "no"))), proceeds("c"));

        assertThat(out).isEqualTo("answered no after 1");
        assertThat(ran).extracting(r -> r.split("@")[0]).containsExactly("a", "b");
    }

    @Test
    void aStageCompletedOnAForeignThreadResumesOnTheLoop() throws Exception {
        CompletableFuture<FilterResult> later = new CompletableFuture<>();
        Thread foreign = new Thread(() -> later.complete(FilterResult.CONTINUE), "foreign");
        GatewayFilter a = filter("a", c -> {
            foreign.start();
            return later;
        });

        String out = run(NO_DEADLINE, a, proceeds("b"));

        assertThat(ran).containsExactly("a@chain-loop", "b@chain-loop");
        assertThat(out).isEqualTo("continued@chain-loop");
    }

    @Test
    void aThrowingFilterFailsTheChain() throws Exception {
        String out = run(NO_DEADLINE, proceeds("a"), filter("b", c -> {
            throw new IllegalStateException("boom");
        }), proceeds("c"));

        assertThat(out).isEqualTo("failed boom after 1");
    }

    @Test
    void aFailedStageFailsTheChainTheSameWay() throws Exception {
        String out = run(NO_DEADLINE, proceeds("a"),
                filter("b", c -> CompletableFuture.failedStage(new IllegalStateException("boom"))), proceeds("c"));

        assertThat(out).isEqualTo("failed boom after 1");
    }

    @Test
    void aStageCompletingWithNothingFailsTheChain() throws Exception {
        String out = run(NO_DEADLINE, filter("a", c -> CompletableFuture.completedStage(null)));

        assertThat(out).isEqualTo("failed the filter's stage completed with null after 0");
    }

    @Test
    void theDeadlineCancelsTheRequestAndALateStageIsIgnored() throws Exception {
        CompletableFuture<FilterResult> never = new CompletableFuture<>();
        AtomicInteger hooks = new AtomicInteger();
        GatewayFilter slow = filter("slow", c -> {
            c.onCancel(hooks::incrementAndGet);
            return never;
        });

        String out = run(TimeUnit.MILLISECONDS.toNanos(50), proceeds("a"), slow, proceeds("c"));

        assertThat(out).isEqualTo("timed out after 1");
        assertThat(hooks).hasValue(1);
        assertThat(ctx.isCancelled()).isTrue();
        never.complete(FilterResult.CONTINUE);
        loop.submit(() -> { }).sync(); // anything the late completion queued has run
        assertThat(ran).extracting(r -> r.split("@")[0]).containsExactly("a", "slow");
    }

    @Test
    void cancellingTheRequestRunsTheHooksAndIgnoresTheStage() throws Exception {
        CompletableFuture<FilterResult> later = new CompletableFuture<>();
        AtomicInteger hooks = new AtomicInteger();
        GatewayFilter queued = filter("queued", c -> {
            c.onCancel(hooks::incrementAndGet);
            return later;
        });
        RequestContext c = newContext();
        loop.submit(() -> FilterChain.run(new GatewayFilter[] {queued, proceeds("after")}, 0, c,
                System.nanoTime() + NO_DEADLINE, listener)).sync();

        loop.submit(c::cancel).sync(); // the client went away
        later.complete(FilterResult.CONTINUE);
        loop.submit(() -> { }).sync();

        assertThat(hooks).hasValue(1);
        assertThat(outcome).isNotDone();
        assertThat(ran).extracting(r -> r.split("@")[0]).containsExactly("queued");
    }
}
