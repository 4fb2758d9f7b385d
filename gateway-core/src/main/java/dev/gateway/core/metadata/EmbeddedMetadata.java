package dev.gateway.core.metadata;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Apps from the YAML configuration ({@code apps:}), all in memory. */
public final class EmbeddedMetadata implements MetadataSource {
    private final Map<String, App> apps;

    public EmbeddedMetadata(List<App> apps) {
        Map<String, App> m = new HashMap<>();
        for (App a : apps) {
            m.put(a.key(), a);
        }
        this.apps = Map.copyOf(m);
    }

    @Override
    public App cached(String key) {
        return apps.get(key);
    }

    @Override
    public CompletionStage<App> find(String key) {
        return CompletableFuture.completedStage(apps.get(key));
    }
}
