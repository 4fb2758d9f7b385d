package dev.gateway.core.config;

/** Access log: one line per request on the {@code gateway.access} logger. */
public record AccessLogConfig(boolean enabled) {}
