package dev.gateway.core.redis;

import java.time.Instant;

/**
 * Whether the shared Redis answers, as last seen by the connection's events and the periodic PING.
 *
 * @param reason why it is down (the last failure, passwords masked); null when up
 * @param since when this state began
 */
public record RedisHealth(boolean up, String reason, Instant since) {

    static RedisHealth up(Instant now) {
        return new RedisHealth(true, null, now);
    }

    static RedisHealth down(String reason, Instant now) {
        return new RedisHealth(false, reason, now);
    }
}
