package dev.gateway.core.filter;

import dev.gateway.core.metadata.MetadataSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/** What a factory may use to build a route's filter. {@code meters} is null when metrics are off. */
public record FilterContext(String routeId, String routeGroup, MetadataSource apps, MeterRegistry meters,
        Clock clock) {}
