package dev.gateway.server.tls;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code gateway_tls_handshakes_total{result}} (resolved once, one counter per {@link HandshakeResult}) and
 * {@code gateway_tls_certificate_expiry_seconds{host}} (seconds until each served certificate's notAfter, re-bound on
 * each reload). Without a registry (metrics off) it counts nothing.
 */
public final class TlsMetrics {
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<HandshakeResult, Counter> handshakes = new EnumMap<>(HandshakeResult.class);
    private final List<Meter> expiry = new ArrayList<>();

    public TlsMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        if (registry != null) {
            for (HandshakeResult r : HandshakeResult.values()) {
                handshakes.put(r, Counter.builder("gateway.tls.handshakes").tag("result", r.tag())
                        .description("TLS handshakes on the TLS listener by result (ok or why it failed)")
                        .register(registry));
            }
        }
    }

    /** Called on the event loop. */
    void handshake(HandshakeResult r) {
        Counter c = handshakes.get(r);
        if (c != null) {
            c.increment();
        }
    }

    /** The expiry gauges of {@code contexts}' certificates, replacing the previous ones. Called off the loops. */
    public synchronized void bindCertificates(TlsContexts contexts) {
        if (registry == null) {
            return;
        }
        expiry.forEach(registry::remove);
        expiry.clear();
        for (int i = 0; i < contexts.served().size(); i++) {
            TlsContexts.Served s = contexts.served().get(i);
            long notAfter = s.leaf().getNotAfter().getTime();
            List<String> hosts = s.hosts().isEmpty() ? List.of(i == 0 ? "_default" : "_certificate_" + i)
                    : s.hosts();
            for (String h : hosts) {
                expiry.add(Gauge.builder("gateway.tls.certificate.expiry", () ->
                                (notAfter - clock.millis()) / 1000.0)
                        .tag("host", h).baseUnit("seconds")
                        .description("Seconds until the TLS certificate served for the host expires")
                        .register(registry));
            }
        }
    }
}
