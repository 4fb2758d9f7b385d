package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.testing.ManualClock;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalLimitsTest {
    @TempDir
    Path dir;

    private Map<String, LimitConfig> load(String limits) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                upstreams:
                  u: { targets: [http://127.0.0.1:1] }
                routes:
                  - { id: a, paths: [/a/**], upstream: u }
                  - { id: b, paths: [/b/**], upstream: u }
                """ + limits);
        GatewayConfig c = new ConfigLoader(k -> null).load(dir.resolve("gateway.yml"));
        Map<String, LimitConfig> out = new java.util.LinkedHashMap<>();
        c.limits().forEach(l -> out.put(l.id(), l));
        return out;
    }

    @Test
    void aReloadThatChangesOneLimitKeepsTheStateOfTheOthers() throws Exception {
        LocalLimits store = new LocalLimits(1000, new ManualClock());
        Map<String, LimitConfig> before = load("""
                limits:
                  - { id: one, routes: [a], key: [ip], rate: 10/s }
                  - { id: two, routes: [b], key: [ip], rate: 10/s }
                """);
        LimitState one = store.state(before.get("one"));
        LimitState two = store.state(before.get("two"));
        AtomicLongArray spentOne = one.cells("10.0.0.1");
        spentOne.set(0, 123);
        two.cells("10.0.0.1").set(0, 456);
        Map<String, LimitConfig> after = load("""
                limits:
                  - { id: one, routes: [a, b], key: [ip], rate: 10/s, on-exceed: reject }
                  - { id: two, routes: [b], key: [ip], rate: 20/s }
                """);
        assertThat(store.state(after.get("one"))).as("routes changed, definition kept").isSameAs(one);
        assertThat(store.state(after.get("one")).cells("10.0.0.1").get(0)).isEqualTo(123);
        LimitState twoAfter = store.state(after.get("two"));
        assertThat(twoAfter).as("rate changed: fresh counters").isNotSameAs(two);
        assertThat(twoAfter.cells("10.0.0.1").get(0)).isZero();
    }

    @Test
    void aMillionDistinctKeysStayWithinTheBound() throws Exception {
        LocalLimits store = new LocalLimits(10_000, new ManualClock());
        LimitState s = store.state(load("""
                limits:
                  - { id: per-ip, routes: [all], key: [ip], rate: 5/s }
                """).get("per-ip"));
        byte[] ip = new byte[4];
        for (int i = 0; i < 1_000_000; i++) {
            ip[0] = 10;
            ip[1] = (byte) (i >>> 16);
            ip[2] = (byte) (i >>> 8);
            ip[3] = (byte) i;
            AtomicLongArray c = s.cells(InetAddress.getByAddress(ip));
            TokenBucket.take(c, 0, store.now(), 200_000_000L, 1_000_000_000L);
        }
        store.cleanUp();
        assertThat(store.keys()).isLessThanOrEqualTo(10_000).isGreaterThan(5_000);
    }

    @Test
    void nowStartsAtZeroAndFollowsTheClock() {
        ManualClock clock = new ManualClock();
        LocalLimits store = new LocalLimits(10, clock);
        assertThat(store.now()).isZero();
        clock.advanceNanos(42);
        assertThat(store.now()).isEqualTo(42);
    }
}
