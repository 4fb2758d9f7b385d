package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.LimitConfig;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class QuotaWindowsTest {
    private static long at(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aDayInShanghaiStartsAt1600Utc() {
        QuotaWindows days = new QuotaWindows(LimitConfig.Quota.Window.DAY, ZoneId.of("Asia/Shanghai"));
        QuotaWindows.Window before = days.at(at("2026-11-27T15:59:59.999Z"));
        QuotaWindows.Window after = days.at(at("2026-11-27T16:00:00Z"));
        assertThat(before.endMillis()).isEqualTo(at("2026-11-27T16:00:00Z"));
        assertThat(after.number()).isNotEqualTo(before.number());
        assertThat(after.startMillis()).isEqualTo(at("2026-11-27T16:00:00Z"));
        assertThat(after.endMillis()).isEqualTo(at("2026-11-28T16:00:00Z"));
    }

    @Test
    void aDailyQuotaRollsOverAtMidnightInItsTimeZone() {
        QuotaWindows days = new QuotaWindows(LimitConfig.Quota.Window.DAY, ZoneId.of("Asia/Shanghai"));
        AtomicLongArray cells = new AtomicLongArray(1);
        long evening = at("2026-11-27T15:58:00Z"); // 23:58 in Shanghai
        for (int i = 0; i < 3; i++) {
            assertThat(FixedWindow.take(cells, 0, days.at(evening).number(), 3)).isEqualTo(i + 1);
        }
        assertThat(FixedWindow.take(cells, 0, days.at(evening).number(), 3)).isEqualTo(-1);
        // 00:00 in Shanghai (still the 27th in UTC): a new day, a new quota.
        long midnight = at("2026-11-27T16:00:00Z");
        assertThat(FixedWindow.take(cells, 0, days.at(midnight).number(), 3)).isEqualTo(1);
        // A UTC day would not have rolled over yet.
        QuotaWindows utc = new QuotaWindows(LimitConfig.Quota.Window.DAY, ZoneId.of("UTC"));
        assertThat(utc.at(evening).number()).isEqualTo(utc.at(midnight).number());
    }

    @Test
    void aRefundUncountsOnlyInTheSameWindow() {
        AtomicLongArray cells = new AtomicLongArray(1);
        assertThat(FixedWindow.take(cells, 0, 7, 1)).isEqualTo(1);
        assertThat(FixedWindow.take(cells, 0, 7, 1)).isEqualTo(-1);
        FixedWindow.refund(cells, 0, 7);
        assertThat(FixedWindow.take(cells, 0, 7, 1)).isEqualTo(1);
        FixedWindow.refund(cells, 0, 6); // a past window: nothing
        assertThat(FixedWindow.take(cells, 0, 7, 1)).isEqualTo(-1);
    }

    @Test
    void concurrencyCountsInFlightRequests() {
        AtomicLongArray cells = new AtomicLongArray(1);
        assertThat(InFlight.acquire(cells, 0, 2)).isEqualTo(1);
        assertThat(InFlight.acquire(cells, 0, 2)).isEqualTo(2);
        assertThat(InFlight.acquire(cells, 0, 2)).isEqualTo(-1);
        InFlight.release(cells, 0);
        assertThat(InFlight.acquire(cells, 0, 2)).isEqualTo(2);
    }
}
