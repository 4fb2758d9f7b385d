package dev.gateway.core.batch;

import dev.gateway.core.config.BatchConfig;
import dev.gateway.core.terminal.Terminal;
import dev.gateway.core.terminal.TerminalExchange;

/**
 * A route's {@code batch:} terminal: reads the (already authenticated) batch body, then runs each item as an
 * in-process exchange through its own route ({@link BatchCall}). Immutable; one per route.
 */
public final class BatchTerminal implements Terminal {
    /** What the access log shows in its upstream field for the batch request itself. */
    public static final String LOG_NAME = "batch";

    private final BatchConfig config;
    private final BatchMetrics metrics;

    public BatchTerminal(BatchConfig config, BatchMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    BatchConfig config() {
        return config;
    }

    BatchMetrics metrics() {
        return metrics;
    }

    @Override
    public Call open(TerminalExchange exchange) {
        BatchCall call = new BatchCall(this, exchange);
        call.start();
        return call;
    }

    @Override
    public boolean isBatch() {
        return true;
    }

    @Override
    public String logName() {
        return LOG_NAME;
    }

    @Override
    public String toString() {
        return "batch";
    }
}
