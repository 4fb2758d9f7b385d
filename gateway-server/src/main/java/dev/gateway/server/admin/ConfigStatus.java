package dev.gateway.server.admin;

import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.reload.ConfigReloader;
import dev.gateway.server.reload.ReloadResult;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code GET /admin/config} shows: the configuration in force and the last rejected reload. */
final class ConfigStatus {
    private ConfigStatus() {}

    static Map<String, Object> of(ConfigReloader reloader) {
        Snapshot s = reloader.current().get();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", s.version());
        out.put("loaded_at", s.loadedAt().toString());
        out.put("files", s.config().sources().stream().map(Path::toString).toList());
        out.put("routes", s.routes().routes().size());
        out.put("upstreams", s.upstreams().size());
        out.put("redis", s.config().redis() == null ? null : s.config().redis().toString()); // passwords masked
        out.put("restart_needed", reloader.restartNeeded());
        ReloadResult failure = reloader.lastFailure();
        if (failure == null) {
            out.put("last_failure", null);
        } else {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("at", failure.at().toString());
            f.put("trigger", failure.trigger());
            f.put("errors", failure.errors());
            out.put("last_failure", f);
        }
        ReloadResult last = reloader.last();
        out.put("last_reload", last == null ? null : Map.of("at", last.at().toString(), "trigger", last.trigger(),
                "outcome", last.outcome().name().toLowerCase(java.util.Locale.ROOT)));
        return out;
    }

}
