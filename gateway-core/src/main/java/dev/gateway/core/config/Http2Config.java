package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Bytes;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import java.time.Duration;

/**
 * HTTP/2 to the clients ({@code server.http2:}): where it is spoken, the settings the gateway announces, and the flood
 * limits that close a connection (each counted in {@code gateway_http2_floods_total{kind}}). A new connection takes
 * the section in force when it is accepted.
 *
 * @param enabled offer {@code h2} by ALPN on the TLS listener
 * @param cleartext h2c on the cleartext listener: {@code off} (a preface gets 505), {@code prior-knowledge} (a
 *     connection that starts with the HTTP/2 preface speaks HTTP/2) or {@code upgrade} (that, and also
 *     {@code Upgrade: h2c} on a first HTTP/1.1 request)
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS; a stream over it is refused (RST_STREAM)
 * @param maxHeaderListSize SETTINGS_MAX_HEADER_LIST_SIZE: the decoded size of a header block (HPACK bombs included)
 * @param initialWindowSize SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may send ahead
 * @param maxResets RST_STREAM frames received, and RST_STREAM frames the gateway is made to send, per window
 *     (rapid reset, CVE-2023-44487; "MadeYouReset", CVE-2025-55163)
 * @param maxEmptyDataFrames consecutive empty DATA frames without END_STREAM
 * @param maxSmallContinuationFrames small (under 8 KiB) CONTINUATION frames of one header block
 * @param maxQueuedControlFrames control frames (SETTINGS and PING acknowledgements, RST_STREAM) queued for a client
 *     that does not read them
 * @param prematureResets a connection whose streams are mostly reset by the client before their response began is
 *     closed, however slowly it resets (Envoy's rule)
 */
public record Http2Config(
        boolean enabled,
        Cleartext cleartext,
        @Range(min = 1, max = 1_000_000) int maxConcurrentStreams,
        @Bytes(min = 1024, max = 1 << 24) int maxHeaderListSize,
        @Bytes(min = 65_535, max = Integer.MAX_VALUE) int initialWindowSize,
        MaxResets maxResets,
        @Range(min = 1, max = 1_000_000) int maxEmptyDataFrames,
        @Range(min = 1, max = 1_000_000) int maxSmallContinuationFrames,
        @Range(min = 1, max = 1_000_000) int maxQueuedControlFrames,
        PrematureResets prematureResets) {

    public static Http2Config defaults() {
        return new Http2Config(true, Cleartext.OFF, 100, 16 * 1024, 1024 * 1024, MaxResets.defaults(), 10, 16,
                10_000, PrematureResets.defaults());
    }

    /**
     * Once a connection has opened {@code minStreams} streams, more than {@code percent} of them reset by the client
     * before their response began closes it.
     */
    public record PrematureResets(@Range(min = 1, max = 1_000_000) int minStreams,
            @Range(min = 1, max = 100) int percent) {
        public static PrematureResets defaults() {
            return new PrematureResets(100, 50);
        }
    }

    /** Whether h2c is spoken on the cleartext listener. */
    public enum Cleartext { OFF, PRIOR_KNOWLEDGE, UPGRADE }

    /**
     * At most {@code count} resets per {@code window} (whole seconds), received and sent each counted on their own.
     */
    public record MaxResets(@Range(min = 1, max = 1_000_000) int count, @Positive Duration window)
            implements Binder.Validated {

        public static MaxResets defaults() {
            return new MaxResets(200, Duration.ofSeconds(30));
        }

        /** The window in whole seconds, as Netty counts it. */
        public int windowSeconds() {
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, window.toSeconds()));
        }

        @Override
        public void validate(Problems problems) {
            if (window.toMillis() % 1000 != 0) {
                problems.add("window", "a whole number of seconds, got " + window.toMillis() + "ms");
            }
        }
    }
}
