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

    /**
     * The close line of a relayed WebSocket (after the handshake's own line): its duration and the bytes relayed each
     * way. Called on the event loop; must not block.
     */
    default void webSocketClosed(WebSocketSession session, WebSocketSession.CloseCause cause,
            long bytesClientToUpstream, long bytesUpstreamToClient, long durationNanos) {}

    ExchangeLog NONE = new ExchangeLog() {
        @Override
        public boolean isEnabled(AccessLogConfig settings) {
            return false;
        }

        @Override
        public void log(ExchangeRecord exchange) {}
    };
}
