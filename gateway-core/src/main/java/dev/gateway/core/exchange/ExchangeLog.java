package dev.gateway.core.exchange;

/**
 * Where finished exchanges are recorded (the access log). Called on the event loop, once per exchange, after its
 * response was written; must not block.
 */
public interface ExchangeLog {

    /** Whether {@link #log} would record anything (checked first, so a disabled log costs one call). */
    boolean isEnabled(Exchange exchange);

    void log(Exchange exchange);

    ExchangeLog NONE = new ExchangeLog() {
        @Override
        public boolean isEnabled(Exchange exchange) {
            return false;
        }

        @Override
        public void log(Exchange exchange) {}
    };
}
