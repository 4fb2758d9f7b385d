package dev.gateway.core.config;

/** The admin listener (health, later metrics). */
public record AdminConfig(boolean enabled, HostPort listen) {}
