package dev.gateway.core.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The {@code gateway.requests} timers of one route, one per (method, status class, variant): created on first use
 * and kept in an array, so recording a request is an index computation and a histogram update, never a registry
 * lookup. Tag values come from bounded sets (route id, 8 method names, 5 status classes, variants). Thread-safe.
 */
public final class RequestMetrics {
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "OTHER"};
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    /** No variant (gray routing off or not applicable). */
    public static final String DEFAULT_VARIANT = "default";

    /** Records nothing: metrics switched off. */
    public static final RequestMetrics NOOP = new RequestMetrics(null, "-", new String[] {DEFAULT_VARIANT});

    private final MeterRegistry registry;
    private final String route;
    private final String[] variants;
    private final AtomicReferenceArray<Timer> timers;

    /**
     * @param route the route id tag ("-" for requests that matched no route)
     * @param variants the route's variant names; index 0 is used when the request has no variant
     */
    public RequestMetrics(MeterRegistry registry, String route, String[] variants) {
        this.registry = registry;
        this.route = route;
        this.variants = variants.clone();
        this.timers = new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length * this.variants.length);
    }

    public void record(HttpMethod method, int status, int variant, long nanos) {
        if (registry == null) {
            return;
        }
        int m = methodIndex(method);
        int c = Math.min(Math.max(status / 100, 1), 5) - 1;
        int v = variant < 0 || variant >= variants.length ? 0 : variant;
        int idx = (m * STATUS_CLASSES.length + c) * variants.length + v;
        Timer t = timers.get(idx);
        if (t == null) {
            t = Timer.builder(GatewayMeters.REQUESTS)
                    .description("Requests through the gateway: count, latency and status per route")
                    .tags("route", route, "method", METHODS[m], "status", STATUS_CLASSES[c], "variant", variants[v])
                    .serviceLevelObjectives(GatewayMeters.LATENCY_BUCKETS)
                    .register(registry);
            timers.set(idx, t);
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
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
