package dev.gateway.server.http2;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * How often each kind of HTTP/2 flood made the gateway refuse a stream or close a connection, for
 * {@code gateway_http2_floods_total{kind}}. Shared by every connection; lock-free.
 */
public final class Http2Floods {

    /** What the client did. The tag value is the name in lower case. */
    public enum Kind {
        /** HEADERS then RST_STREAM, over and over (CVE-2023-44487): {@code max-resets} received. */
        RAPID_RESET,
        /** Streams mostly reset before their response began, however slowly: {@code premature-resets}. */
        PREMATURE_RESETS,
        /** Frames that make the gateway reset streams (CVE-2025-55163): {@code max-resets} sent. */
        RESETS_SENT,
        /** Small or empty CONTINUATION frames of one header block: {@code max-small-continuation-frames}. */
        CONTINUATION,
        /** A header block over {@code max-header-list-size} once decoded (HPACK bombs included). */
        HEADER_LIST,
        /** Empty DATA frames without END_STREAM: {@code max-empty-data-frames}. */
        EMPTY_DATA,
        /** SETTINGS, PING or other frames whose answers the client does not read: {@code max-queued-control-frames}. */
        CONTROL_FRAMES,
        /** A stream over {@code max-concurrent-streams}, refused. */
        STREAMS_OVER_LIMIT;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<Kind, LongAdder> counts = new EnumMap<>(Kind.class);

    public Http2Floods() {
        for (Kind k : Kind.values()) {
            counts.put(k, new LongAdder());
        }
    }

    void count(Kind kind) {
        counts.get(kind).increment();
    }

    /** The number counted of {@code kind}. */
    public long get(Kind kind) {
        return counts.get(kind).sum();
    }
}
