package dev.gateway.server.reload;

import dev.gateway.core.config.ConfigException;
import dev.gateway.core.runtime.Snapshot;

/**
 * What the rest of the server does when a reload puts a configuration in force or rejects one: the access log takes
 * the new settings, the metrics bind the new pools. Passed in by the server, so that this package does not depend on
 * the classes that wire it. Called on the reload thread.
 */
public interface ReloadHooks {

    /**
     * The new configuration compiled; what the server builds from it besides the snapshot (TLS contexts) is built
     * here, and a problem rejects the reload as a compile error would (the previous configuration stays in force).
     */
    default void prepare(Snapshot next) throws ConfigException {}

    /** The new configuration is about to be swapped in (it is not in force yet). */
    void swapping(Snapshot next);

    /** The new configuration is in force, and what outlives it (pools, health, budgets) has been updated. */
    void applied(Snapshot next);

    /** A reload was rejected; the previous configuration stays in force. */
    void rejected();
}
