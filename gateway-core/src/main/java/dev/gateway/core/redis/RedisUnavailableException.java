package dev.gateway.core.redis;

import io.lettuce.core.RedisException;

/** A command was refused at once because the gateway has no connection to Redis (never connected, or closed). */
public final class RedisUnavailableException extends RedisException {
    public RedisUnavailableException(String message) {
        super(message);
    }
}
