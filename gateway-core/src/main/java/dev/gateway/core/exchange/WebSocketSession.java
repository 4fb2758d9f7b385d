package dev.gateway.core.exchange;

import dev.gateway.core.config.AccessLogConfig;

/**
 * A WebSocket the gateway relays after the upstream's 101: what its close line in the access log names, and the
 * route's idle timeout. Made once per handshake by the exchange; the relay adds the byte counts and the duration.
 *
 * @param accessLog the access-log settings of the configuration the handshake ran on
 * @param path the normalised path (never the query)
 * @param route the route id
 * @param target the upstream target's URL
 * @param idleTimeoutNanos the relay closes both sides after this long without a byte either way
 */
public record WebSocketSession(AccessLogConfig accessLog, String requestId, String client, String path, String route,
        String target, long idleTimeoutNanos) {

    /** Who ended a relay, for the close line. */
    public enum CloseCause {
        CLIENT, UPSTREAM, IDLE, ERROR;

        /** As written in the access log. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
