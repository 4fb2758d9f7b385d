package dev.gateway.core.exchange;

import dev.gateway.core.config.AccessLogConfig;

/**
 * Where finished exchanges are recorded (the access log). Called on the event loop, once per exchange, after its
 * response was written; must not block.
 */
public interface ExchangeLog {

    /** Whether {@link #log} would record anything under these settings (asked first: a disabled log costs nothing). */
    boolean isEnabled(AccessLogConfig settings);

    void log(ExchangeRecord exchange);

    ExchangeLog NONE = new ExchangeLog() {
        @Override
        public boolean isEnabled(AccessLogConfig settings) {
            return false;
        }

        @Override
        public void log(ExchangeRecord exchange) {}
    };
}
