package dev.gateway.core.metadata;

import dev.gateway.core.config.App;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Apps from the YAML configuration ({@code apps:}), all in memory. A reload replaces the whole set at once (one
 * volatile write of an immutable map), so a lookup never sees half of a change.
 */
public final class EmbeddedMetadata implements MetadataSource {
    private volatile Map<String, App> apps;

    public EmbeddedMetadata(List<App> apps) {
        configLoaded(apps);
    }

    @Override
    public App cached(String key) {
        return apps.get(key);
    }

    @Override
    public CompletionStage<App> find(String key) {
        return CompletableFuture.completedStage(apps.get(key));
    }

    @Override
    public void configLoaded(List<App> list) {
        Map<String, App> m = new HashMap<>();
        for (App a : list) {
            m.put(a.key(), a);
        }
        this.apps = Map.copyOf(m);
    }
}
