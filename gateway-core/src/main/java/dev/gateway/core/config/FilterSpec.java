package dev.gateway.core.config;

/**
 * One filter of a route as configured: its type, its validated config and where it was written. The filter itself
 * is created when the configuration is compiled ({@code FilterFactory.create(spec, context)}).
 */
public record FilterSpec(FilterType<?> type, Object config, ConfigNode.Location location, String path) {}
