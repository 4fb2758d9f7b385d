package dev.gateway.server.admin;

import dev.gateway.core.config.TlsConfig;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.server.tls.TlsProvider;
import dev.gateway.server.reload.ConfigReloader;
import dev.gateway.server.reload.ReloadResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@code GET /admin/config} shows: the configuration in force and the last rejected reload. */
final class ConfigStatus {
    private ConfigStatus() {}

    /** The TLS listener's provider and certificates (hosts, subject, issuer, expiry; never the key), or null. */
    private static Map<String, Object> tls(TlsConfig tls) {
        if (tls == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provider", TlsProvider.description());
        out.put("listen", tls.listen().toString());
        List<Map<String, Object>> certs = new ArrayList<>();
        for (TlsConfig.Certificate c : tls.certificates()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", c.cert().file().toString());
            m.put("hosts", c.hosts());
            m.put("subject", c.cert().leaf().getSubjectX500Principal().getName());
            m.put("issuer", c.cert().leaf().getIssuerX500Principal().getName());
            m.put("not_after", c.cert().leaf().getNotAfter().toInstant().toString());
            certs.add(m);
        }
        out.put("certificates", certs);
        out.put("client_auth", tls.clientAuth().mode().name().toLowerCase(java.util.Locale.ROOT));
        return out;
    }

    static Map<String, Object> of(ConfigReloader reloader) {
        Snapshot s = reloader.current().get();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", s.version());
        out.put("loaded_at", s.loadedAt().toString());
        out.put("files", s.config().sources().stream().map(Path::toString).toList());
        out.put("routes", s.routes().routes().size());
        out.put("upstreams", s.upstreams().size());
        out.put("redis", s.config().redis() == null ? null : s.config().redis().toString()); // passwords masked
        out.put("tls", tls(s.config().server().tls()));
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
