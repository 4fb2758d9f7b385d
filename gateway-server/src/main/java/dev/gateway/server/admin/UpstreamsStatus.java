package dev.gateway.server.admin;

import dev.gateway.core.health.CircuitBreaker;
import dev.gateway.core.health.OutlierEjection;
import dev.gateway.core.health.TargetHealth;
import dev.gateway.core.route.Route;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.UpstreamFallback;
import dev.gateway.core.terminal.UpstreamTerminal;
import dev.gateway.core.upstream.Target;
import dev.gateway.core.upstream.UpstreamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code GET /admin/upstreams} shows: per upstream of the configuration in force, each target's health
 * ({@code healthy}, {@code unhealthy} by active checks, {@code ejected} by outlier detection), its circuit breaker's
 * state and its requests in flight; the upstream's fallback and panic mode; and the routes' own breakers. Values are read across threads: a
 * moment's snapshot.
 */
final class UpstreamsStatus {
    private UpstreamsStatus() {}

    static Map<String, Object> of(Snapshot s) {
        Map<String, Object> upstreams = new LinkedHashMap<>();
        for (UpstreamGroup g : s.upstreams().values()) {
            Map<String, Object> u = new LinkedHashMap<>();
            List<Object> targets = new ArrayList<>();
            for (Target t : g.targets()) {
                targets.add(target(t));
            }
            u.put("targets", targets);
            UpstreamFallback f = s.fallback(g);
            u.put("fallback", f == null ? null : f.upstream() != null ? Map.of("upstream", f.upstream().name())
                    : Map.of("response", f.response().toString()));
            u.put("panic", g.isPanic());
            upstreams.put(g.name(), u);
        }
        Map<String, Object> routes = new LinkedHashMap<>();
        for (Route r : s.routes().routes()) {
            if (r.terminal() instanceof UpstreamTerminal ut && ut.breaker() != null) {
                routes.put(r.id(), Map.of("circuit_breaker", Map.of("state", ut.breaker().state().label())));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("upstreams", upstreams);
        out.put("routes", routes);
        return out;
    }

    private static Map<String, Object> target(Target t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", t.url());
        out.put("outstanding", t.outstanding());
        TargetHealth h = t.health();
        if (h == null) {
            out.put("health", "healthy");
            out.put("circuit_breaker", null);
            return out;
        }
        long now = h.registryClockNanos();
        OutlierEjection o = h.outlier();
        boolean ejected = o != null && o.isEjected(now);
        out.put("health", !h.isHealthy() ? "unhealthy" : ejected ? "ejected" : "healthy");
        out.put("active_check", h.settings().healthCheck() == null ? null : h.isHealthy() ? "passing" : "failing");
        CircuitBreaker b = h.breaker();
        if (b == null) {
            out.put("circuit_breaker", null);
        } else {
            Map<String, Object> cb = new LinkedHashMap<>();
            cb.put("state", b.state().label());
            long left = b.openRemainingNanos();
            if (left > 0) {
                cb.put("half_open_in_ms", left / 1_000_000);
            }
            out.put("circuit_breaker", cb);
        }
        if (o != null) {
            Map<String, Object> od = new LinkedHashMap<>();
            od.put("consecutive_failures", o.consecutiveFailures());
            od.put("ejections", o.ejections());
            if (ejected) {
                od.put("ejected_for_ms", o.ejectedRemainingNanos(now) / 1_000_000);
            }
            out.put("outlier_detection", od);
        }
        return out;
    }
}
