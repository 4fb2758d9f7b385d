package dev.gateway.core.exchange;

import dev.gateway.core.config.AccessLogConfig;

/**
 * What a finished exchange leaves for the access log. Strings are null when there is nothing to say (no route, no
 * app, not forwarded).
 *
 * @param accessLog the access-log settings of the configuration the request ran on
 * @param path the normalised path, or "-" when the request had none that could be read (never the query)
 * @param traceId the trace id of the traceparent sent upstream
 * @param variant the variant that served the request (gray routing); null for the route's default
 * @param app the key of the app that signed the request
 * @param target the upstream target's URL
 * @param upstreamNanos time to the upstream's response head, or -1 when there was none
 * @param limit the limit that refused the request (or answered or queued it), or null
 * @param attempts upstream attempts made (above 1 when the request was retried; 0 when it was not forwarded)
 */
public record ExchangeRecord(AccessLogConfig accessLog, String requestId, String traceId, String client,
        String method, String path, String route, String variant, String app, String target, int status,
        long bytesIn, long bytesOut, long totalNanos, long upstreamNanos, String limit, int attempts) {

    /** A record of a request forwarded at most once. */
    public ExchangeRecord(AccessLogConfig accessLog, String requestId, String traceId, String client, String method,
            String path, String route, String variant, String app, String target, int status, long bytesIn,
            long bytesOut, long totalNanos, long upstreamNanos, String limit) {
        this(accessLog, requestId, traceId, client, method, path, route, variant, app, target, status, bytesIn,
                bytesOut, totalNanos, upstreamNanos, limit, target == null ? 0 : 1);
    }

    /** A record of a request no limit touched. */
    public ExchangeRecord(AccessLogConfig accessLog, String requestId, String traceId, String client, String method,
            String path, String route, String variant, String app, String target, int status, long bytesIn,
            long bytesOut, long totalNanos, long upstreamNanos) {
        this(accessLog, requestId, traceId, client, method, path, route, variant, app, target, status, bytesIn,
                bytesOut, totalNanos, upstreamNanos, null);
    }
}
