package dev.gateway.core.auth;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Remembers signatures that were used, so that a replayed request can be refused. A service: it outlives
 * configurations, so a reload does not forget what was seen. Called on event loops; must not block.
 */
public interface ReplayStore {

    /**
     * Records {@code key} for {@code ttl}. The stage completes with true if the key was not recorded before (first
     * use), false if it was (a replay). A store that cannot answer (a shared store whose server is down) fails the
     * stage instead; the caller decides what that means for the request.
     */
    CompletionStage<Boolean> markUsed(String key, Duration ttl);
}
