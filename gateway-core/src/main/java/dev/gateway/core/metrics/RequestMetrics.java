package dev.gateway.core.metrics;

import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code gateway_requests_seconds} series of one route, one per (method, status class, variant): found on first
 * use and kept in an array, so recording a request is an index computation and a histogram update, never a lookup.
 * Label values come from bounded sets (route id, 8 method names, 5 status classes, variants). Thread-safe.
 */
public final class RequestMetrics {
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    /** No variant (gray routing off or not applicable). */
    public static final String DEFAULT_VARIANT = "default";
    /**
     * The variants a route records without a lookup: the default and gray routing's two sides. Series are created on
     * first use, so a route without gray routing never shows stable or canary.
     */
    public static final java.util.List<String> VARIANTS = java.util.List.of(DEFAULT_VARIANT, "stable", "canary");

    /** Records nothing: metrics switched off. */
    public static final RequestMetrics NOOP = new RequestMetrics(null, "-", new String[] {DEFAULT_VARIANT});

    private final HistogramFamily family;
    private final String route;
    private final String[] variants;
    private final AtomicReferenceArray<LatencyHistogram> series;

    /**
     * @param route the route id tag ("-" for requests that matched no route)
     * @param variants the route's variant names; index 0 is used when the request has no variant
     */
    public RequestMetrics(HistogramFamily family, String route, String[] variants) {
        this.family = family;
        this.route = route;
        this.variants = variants.clone();
        this.series = new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length * this.variants.length);
    }

    /**
     * Records one request. {@code variant} null is the route's default; a variant the route was not compiled with
     * is recorded through a lookup by its name (slower, but never lost).
     */
    public void record(HttpMethod method, int status, String variant, long nanos) {
        if (family == null) {
            return;
        }
        int v = 0;
        if (variant != null) {
            v = -1;
            for (int i = 0; i < variants.length; i++) {
                if (variants[i].equals(variant)) {
                    v = i;
                    break;
                }
            }
        }
        int m = methodIndex(method);
        int c = Math.min(Math.max(status / 100, 1), 5) - 1;
        if (v < 0) {
            family.series(route, METHODS[m], STATUS_CLASSES[c], variant).record(nanos);
            return;
        }
        int idx = (m * STATUS_CLASSES.length + c) * variants.length + v;
        LatencyHistogram h = series.get(idx);
        if (h == null) {
            h = family.series(route, METHODS[m], STATUS_CLASSES[c], variants[v]);
            series.set(idx, h);
        }
        h.record(nanos);
    }

    private static int methodIndex(HttpMethod m) {
        // HttpMethod constants are shared instances for the standard methods: compare by identity first.
        if (m == HttpMethod.GET) {
            return 0;
        } else if (m == HttpMethod.HEAD) {
            return 1;
        } else if (m == HttpMethod.POST) {
            return 2;
        } else if (m == HttpMethod.PUT) {
            return 3;
        } else if (m == HttpMethod.DELETE) {
            return 4;
        } else if (m == HttpMethod.PATCH) {
            return 5;
        } else if (m == HttpMethod.OPTIONS) {
            return 6;
        }
        return 7;
    }
}
