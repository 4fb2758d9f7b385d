package dev.gateway.core.terminal;

import dev.gateway.core.config.RetriesConfig;
import dev.gateway.core.metrics.GatewayMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * The retry policy of a route with {@code retries:}. An attempt is retried when all of these hold:
 * <ul>
 *   <li>fewer than {@code attempts} attempts were made;
 *   <li>it failed in a way the route lists in {@code on} (a connect failure, a reset before any response byte, a
 *       response timeout, or one of the listed 5xx statuses);
 *   <li>the method is idempotent, or the route has {@code non-idempotent: true};
 *   <li>the request can be sent again: it has no body, or no attempt took any of its body yet, or its whole body was
 *       received and kept (up to {@link #BODY_KEPT_UP_TO} bytes; a streamed body is never kept);
 *   <li>the route's {@link RetryBudget} has a retry left. When it has not, the request ends with the error of the
 *       attempt that failed, and {@code gateway.retry.budget.exhausted} counts it.
 * </ul>
 * The wait before retry {@code n} (from 1) is drawn uniformly from {@code [0, min(max, base * 2^(n-1))]} ("full
 * jitter"), so that clients that failed together do not come back together. A kept-alive connection that the upstream
 * had closed (see {@link RetryPolicy#STALE_CONNECTION}) is tried again at once, outside the budget: that is no failure
 * of the upstream. Immutable apart from its budget and counters; called on the event loops.
 */
public final class RouteRetries implements RetryPolicy {
    /** Request bodies up to this size are kept by the call for a retry, if the route retries the request's method. */
    public static final int BODY_KEPT_UP_TO = 64 * 1024;

    private final RetriesConfig config;
    private final RetryBudget budget;
    private final DoubleSupplier random;
    private final long baseNanos;
    private final long maxNanos;
    private final boolean onConnectFailure;
    private final boolean onReset;
    private final boolean onTimeout;
    /** Statuses 500-599 retried on, by status - 500. */
    private final boolean[] onStatus = new boolean[100];
    /** Retry counters by cause (ordinal), then by status - 500; null entries when metrics are off. */
    private final Counter[] causeRetries = new Counter[RetriesConfig.Cause.values().length];
    private final Counter[] statusRetries = new Counter[100];
    private final Counter exhausted;

    /**
     * @param registry where the retry counters go, or null (metrics off)
     * @param random uniform in [0, 1), for the jitter
     */
    public RouteRetries(String routeId, RetriesConfig config, RetryBudget budget, MeterRegistry registry,
            DoubleSupplier random) {
        this.config = config;
        this.budget = budget;
        this.random = random;
        this.baseNanos = config.backoffBase().toNanos();
        this.maxNanos = config.backoffMax().toNanos();
        this.onConnectFailure = config.causes().contains(RetriesConfig.Cause.CONNECT_FAILURE);
        this.onReset = config.causes().contains(RetriesConfig.Cause.RESET_BEFORE_RESPONSE);
        this.onTimeout = config.causes().contains(RetriesConfig.Cause.RESPONSE_TIMEOUT);
        for (int s : config.statuses()) {
            onStatus[s - 500] = true;
        }
        if (registry != null) {
            for (RetriesConfig.Cause c : config.causes()) {
                causeRetries[c.ordinal()] = Counter.builder(GatewayMeters.UPSTREAM_RETRIES)
                        .description("Upstream attempts retried, by route and reason")
                        .tag("route", routeId).tag("reason", c.tag()).register(registry);
            }
            for (int s : config.statuses()) {
                statusRetries[s - 500] = Counter.builder(GatewayMeters.UPSTREAM_RETRIES)
                        .description("Upstream attempts retried, by route and reason")
                        .tag("route", routeId).tag("reason", Integer.toString(s)).register(registry);
            }
            exhausted = Counter.builder(GatewayMeters.RETRY_BUDGET_EXHAUSTED)
                    .description("Retries refused because the route's retry budget was spent")
                    .tag("route", routeId).register(registry);
        } else {
            exhausted = null;
        }
    }

    /** A policy with the system's random jitter. */
    public RouteRetries(String routeId, RetriesConfig config, RetryBudget budget, MeterRegistry registry) {
        this(routeId, config, budget, registry, () -> ThreadLocalRandom.current().nextDouble());
    }

    public RetriesConfig config() {
        return config;
    }

    @Override
    public void requestStarted() {
        budget.recordRequest();
    }

    @Override
    public boolean retriesOnStatus(int status) {
        return status >= 500 && status <= 599 && onStatus[status - 500];
    }

    @Override
    public int keepsBodyUpTo(HttpMethod method) {
        return config.nonIdempotent() || RetryPolicy.isIdempotent(method) ? BODY_KEPT_UP_TO : 0;
    }

    @Override
    public long retryDelayNanos(Attempt a) {
        if (STALE_CONNECTION.retryDelayNanos(a) == 0) {
            return 0;
        }
        if (!listed(a) || a.number() >= config.attempts() || !a.canResend()
                || !config.nonIdempotent() && !RetryPolicy.isIdempotent(a.method())) {
            return NO_RETRY;
        }
        if (!budget.tryRetry(config.budgetRatio(), config.budgetMinPerSecond())) {
            if (exhausted != null) {
                exhausted.increment();
            }
            return NO_RETRY;
        }
        Counter counter = counterFor(a);
        if (counter != null) {
            counter.increment();
        }
        return backoffNanos(a.number());
    }

    /** The jittered wait before the retry that follows attempt {@code number} (from 1). */
    long backoffNanos(int number) {
        int shift = Math.min(number - 1, 30);
        long cap = baseNanos > (maxNanos >> shift) ? maxNanos : Math.min(maxNanos, baseNanos << shift);
        return (long) (random.getAsDouble() * cap);
    }

    private boolean listed(Attempt a) {
        switch (a.failure()) {
            case CONNECT_REFUSED:
            case CONNECT_TIMEOUT:
            case OVERLOADED:
            case TLS_HANDSHAKE:
                return onConnectFailure;
            case REFUSED_STREAM:
                return a.canResend(); // not processed upstream: as safe as a connection that was never made
            case CLOSED_BEFORE_RESPONSE:
                return onReset;
            case RESPONSE_TIMEOUT:
                return onTimeout;
            case ERROR_STATUS:
                return retriesOnStatus(a.status());
            default:
                return false; // a garbled response may have been acted on: never retried
        }
    }

    private Counter counterFor(Attempt a) {
        switch (a.failure()) {
            case CONNECT_REFUSED:
            case CONNECT_TIMEOUT:
            case OVERLOADED:
            case TLS_HANDSHAKE:
            case REFUSED_STREAM:
                return causeRetries[RetriesConfig.Cause.CONNECT_FAILURE.ordinal()];
            case CLOSED_BEFORE_RESPONSE:
                return causeRetries[RetriesConfig.Cause.RESET_BEFORE_RESPONSE.ordinal()];
            case RESPONSE_TIMEOUT:
                return causeRetries[RetriesConfig.Cause.RESPONSE_TIMEOUT.ordinal()];
            default:
                return statusRetries[a.status() - 500];
        }
    }
}
