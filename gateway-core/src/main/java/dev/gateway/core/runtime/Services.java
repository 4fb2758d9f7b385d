package dev.gateway.core.runtime;

import dev.gateway.core.auth.ReplayStore;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.upstream.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;

/**
 * What outlives a configuration, built once by the server and handed to filter factories (through their
 * constructors) and to the compiler: the upstream client with its pools by address and balancer positions, the app
 * metadata, the replay store, the meters, the clock and the event loops. Later issues add the Redis client and the
 * limit stores here. Nothing in it is reset by a reload.
 *
 * @param meters null when metrics are off
 * @param eventLoops the proxy's event loops; null where nothing is served ({@code --check})
 * @param ioThreads the number of event loops (per-target connection limits are split among them)
 */
public record Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
        Clock clock, EventLoopGroup eventLoops, int ioThreads) {}
