package dev.gateway.core.upstream;

import dev.gateway.core.health.TargetHealth;
import io.netty.channel.EventLoopGroup;

/**
 * Starts active health checks on the proxy's own event loops with the gateway's own upstream client: each target's
 * checks run on one loop, taking connections from that loop's pool like any request. No extra threads.
 */
public final class HealthChecks {
    private final UpstreamClient client;
    private final EventLoopGroup loops;

    public HealthChecks(UpstreamClient client, EventLoopGroup loops) {
        this.client = client;
        this.loops = loops;
    }

    HealthCheck start(TargetHealth health, Target target, UpstreamGroup group) {
        HealthCheck c = new HealthCheck(health, target, group, client, loops.next());
        c.start();
        return c;
    }
}
