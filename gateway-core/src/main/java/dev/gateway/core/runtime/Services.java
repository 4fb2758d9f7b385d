package dev.gateway.core.runtime;

import dev.gateway.core.auth.ReplayStore;
import dev.gateway.core.upstream.HealthRegistry;
import dev.gateway.core.time.TimeSource;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.metadata.MetadataSource;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.terminal.RetryBudgets;
import dev.gateway.core.upstream.UpstreamClient;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;

/**
 * What outlives a configuration, built once by the server and handed to filter factories (through their
 * constructors) and to the compiler: the upstream client with its pools by address and balancer positions, the app
 * metadata, the replay store, the meters, the clock, the event loops, the shared Redis, the local limit store
 * (rate limits' and quotas' counters), the routes' retry budgets and the targets' health state. Nothing in it is
 * reset by a reload.
 *
 * @param meters null when metrics are off
 * @param eventLoops the proxy's event loops; null where nothing is served ({@code --check})
 * @param ioThreads the number of event loops (per-target connection limits are split among them)
 * @param redis the shared Redis connection; null when the configuration has no {@code redis:} section
 * @param limits the counters of {@code scope: local} limits
 * @param retryBudgets the retry budgets of routes with {@code retries:}, by route id
 * @param health the targets' breakers, ejections and check verdicts, by (upstream, target)
 */
public record Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
        Clock clock, EventLoopGroup eventLoops, int ioThreads, RedisService redis, LocalLimits limits,
        RetryBudgets retryBudgets, HealthRegistry health) {

    /** Services with retry budgets and health state on the system clock. */
    public Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
            Clock clock, EventLoopGroup eventLoops, int ioThreads, RedisService redis, LocalLimits limits) {
        this(upstreams, metadata, replays, meters, clock, eventLoops, ioThreads, redis, limits, new RetryBudgets());
    }

    /** Services with these retry budgets and health state on the system clock. */
    public Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
            Clock clock, EventLoopGroup eventLoops, int ioThreads, RedisService redis, LocalLimits limits,
            RetryBudgets retryBudgets) {
        this(upstreams, metadata, replays, meters, clock, eventLoops, ioThreads, redis, limits, retryBudgets,
                new HealthRegistry(TimeSource.SYSTEM));
    }

    /** Services with this health state and retry budgets on the system clock. */
    public Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
            Clock clock, EventLoopGroup eventLoops, int ioThreads, RedisService redis, LocalLimits limits,
            HealthRegistry health) {
        this(upstreams, metadata, replays, meters, clock, eventLoops, ioThreads, redis, limits, new RetryBudgets(),
                health);
    }

    /** Services with a local limit store of the default size on the system clock. */
    public Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
            Clock clock, EventLoopGroup eventLoops, int ioThreads, RedisService redis) {
        this(upstreams, metadata, replays, meters, clock, eventLoops, ioThreads, redis, new LocalLimits());
    }

    /** Services without Redis. */
    public Services(UpstreamClient upstreams, MetadataSource metadata, ReplayStore replays, Meters meters,
            Clock clock, EventLoopGroup eventLoops, int ioThreads) {
        this(upstreams, metadata, replays, meters, clock, eventLoops, ioThreads, null);
    }
}
