package dev.gateway.core.redis;

import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Redis up or down, changed by the health check and the connection's events on Lettuce's threads and read by
 * readiness and the gauge on any thread. Each change is logged once: WARN with the cause on loss, INFO on recovery;
 * a down state whose cause changes (connection lost, then reconnects refused) only updates the reason.
 */
final class HealthState {
    private static final Logger logger = LoggerFactory.getLogger(RedisService.class);

    private final String target;
    private final Clock clock;
    private final AtomicReference<RedisHealth> state;
    /** Whether Redis was ever up: the first "up" is logged as such, later ones as a recovery. */
    private volatile boolean wasUp;

    /** @param target where Redis is, passwords masked, for the log lines */
    HealthState(String target, Clock clock) {
        this.target = target;
        this.clock = clock;
        this.state = new AtomicReference<>(RedisHealth.down("connecting", clock.instant()));
    }

    RedisHealth current() {
        return state.get();
    }

    void up() {
        RedisHealth prev = state.getAndUpdate(h -> h.up() ? h : RedisHealth.up(clock.instant()));
        if (!prev.up()) {
            logger.info("redis up: {} answers{}", target, !wasUp ? ""
                    : " again (down since " + prev.since() + ": " + prev.reason() + ")");
            wasUp = true;
        }
    }

    void down(String reason) {
        RedisHealth prev = state.getAndUpdate(h -> h.up() ? RedisHealth.down(reason, clock.instant())
                : Objects.equals(h.reason(), reason) ? h : new RedisHealth(false, reason, h.since()));
        if (prev.up()) {
            logger.warn("redis down: {} ({}); commands fail fast until it answers again", reason, target);
        }
    }
}
