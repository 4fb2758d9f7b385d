package dev.gateway.core.metadata;

import dev.gateway.core.config.App;
import dev.gateway.core.config.MetadataConfig;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where app metadata comes from: a service that outlives configurations. Called on event loops: must not block.
 * Callers try {@link #cached} first, so the common path is a memory lookup with no stage and no thread hop; only a
 * miss goes to {@link #find}.
 */
public interface MetadataSource {

    /** The app if it is in memory now, else null (which does not mean it does not exist). */
    App cached(String key);

    /** The app with this key, or a stage completing with null if there is none. */
    CompletionStage<App> find(String key);

    /**
     * A configuration with these {@code apps:} entries is about to take effect (at start and on every reload).
     * A source that serves the configuration files' apps takes them; others ignore them. Called off the event loops.
     */
    default void configLoaded(List<App> apps) {}

    /**
     * The {@code metadata:} section of a configuration about to take effect (at start and on every reload): a source
     * that caches applies its sizes and ages. Called off the event loops.
     */
    default void settings(MetadataConfig config) {}

    /**
     * The app {@code key} was created, changed or deleted elsewhere (a change message from another node, or this
     * node's admin API): a source that caches forgets its entry now and learns the key exists. Called off the event
     * loops; must not block.
     */
    default void changed(String key) {}

    /** Change messages may have been missed (the subscription was down): a source that caches starts over. */
    default void resync() {}
}
