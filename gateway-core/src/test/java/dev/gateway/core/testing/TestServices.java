package dev.gateway.core.testing;

import dev.gateway.core.auth.LocalReplayStore;
import dev.gateway.core.metadata.EmbeddedMetadata;
import dev.gateway.core.runtime.Services;
import dev.gateway.core.upstream.Transport;
import dev.gateway.core.upstream.UpstreamClient;
import java.time.Clock;
import java.util.List;

/** Services for compiling configurations in tests: no metrics, no event loops, the system clock. */
public final class TestServices {
    private TestServices() {}

    public static Services of(int ioThreads) {
        return new Services(new UpstreamClient(Transport.nio(), ioThreads), new EmbeddedMetadata(List.of()),
                new LocalReplayStore(1000), null, Clock.systemUTC(), null, ioThreads);
    }
}
