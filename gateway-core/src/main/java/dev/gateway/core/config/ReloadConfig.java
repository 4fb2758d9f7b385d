package dev.gateway.core.config;

import java.time.Duration;

/**
 * Live reload on file changes: with {@code watch} on, a change to any loaded file (seen by the file system's watch
 * service, or by polling every {@code pollInterval}) reloads the configuration once the files have been quiet for
 * {@code debounce}, so an editor's two-step save is one reload. SIGHUP and {@code POST /admin/reload} work either way.
 */
public record ReloadConfig(boolean watch, @Binder.Positive Duration pollInterval, Duration debounce) {

    public static ReloadConfig defaults() {
        return new ReloadConfig(true, Duration.ofSeconds(2), Duration.ofMillis(300));
    }
}
