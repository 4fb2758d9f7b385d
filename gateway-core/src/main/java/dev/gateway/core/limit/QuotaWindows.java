package dev.gateway.core.limit;

import dev.gateway.core.config.LimitConfig;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * The current window of a quota: minutes, hours or days as they start in the quota's time zone (a day in
 * Asia/Shanghai starts at 16:00 UTC). The window in force is cached, so only the first request of a new window
 * computes dates. Thread-safe.
 */
public final class QuotaWindows {
    private final LimitConfig.Quota.Window unit;
    private final ZoneId zone;
    private volatile Window current = new Window(-1, Long.MIN_VALUE, Long.MIN_VALUE);

    /**
     * One window: {@code number} identifies it (its start in minutes since the epoch), from {@code startMillis}
     * (inclusive) to {@code endMillis} (exclusive).
     */
    public record Window(long number, long startMillis, long endMillis) {}

    public QuotaWindows(LimitConfig.Quota.Window unit, ZoneId zone) {
        this.unit = unit;
        this.zone = zone;
    }

    public Window at(long millis) {
        Window w = current;
        if (millis >= w.startMillis() && millis < w.endMillis()) {
            return w;
        }
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(zone);
        ZonedDateTime start = switch (unit) {
            case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
            case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
            default -> t.toLocalDate().atStartOfDay(zone);
        };
        ZonedDateTime end = switch (unit) {
            case MINUTE -> start.plusMinutes(1);
            case HOUR -> start.plusHours(1);
            default -> start.toLocalDate().plusDays(1).atStartOfDay(zone);
        };
        long s = start.toInstant().toEpochMilli();
        w = new Window(Math.floorDiv(s, 60_000L), s, end.toInstant().toEpochMilli());
        current = w;
        return w;
    }
}
