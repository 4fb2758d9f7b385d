package dev.gateway.server.netty;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on the {@code gateway.access} logger, which logback.xml sends through an async appender
 * that never blocks the event loop. Query strings and credentials are never logged.
 */
public final class AccessLog {
    private static final Logger logger = LoggerFactory.getLogger("gateway.access");

    private final boolean enabled;

    public AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isEnabled() {
        return enabled && logger.isInfoEnabled();
    }

    /** Called on the event loop once the response is complete (or the exchange was abandoned). */
    void log(String requestId, String client, String method, String path, String route, String target, int status,
            long bytesIn, long bytesOut, long totalNanos, long upstreamNanos) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("request_id=").append(requestId)
                .append(" client=").append(client)
                .append(" method=").append(method)
                .append(" path=").append(path)
                .append(" route=").append(route == null ? "-" : route)
                .append(" upstream=").append(target == null ? "-" : target)
                .append(" status=").append(status)
                .append(" bytes_in=").append(bytesIn)
                .append(" bytes_out=").append(bytesOut)
                .append(" total_ms=");
        millis(sb, totalNanos);
        sb.append(" upstream_ms=");
        if (upstreamNanos < 0) {
            sb.append('-');
        } else {
            millis(sb, upstreamNanos);
        }
        logger.info(sb.toString());
    }

    private static void millis(StringBuilder sb, long nanos) {
        long micros = nanos / 1000;
        sb.append(micros / 1000).append('.');
        long frac = micros % 1000;
        if (frac < 100) {
            sb.append('0');
        }
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }
}
