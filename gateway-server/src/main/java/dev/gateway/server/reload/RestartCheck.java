package dev.gateway.server.reload;

import dev.gateway.core.config.GatewayConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings a running process cannot change without binding again or rebuilding its event loops and services. A
 * reload that changes one applies everything else and reports these as "restart needed".
 */
final class RestartCheck {
    private RestartCheck() {}

    /** The settings of {@code next} that differ from those the process was started with ({@code bound}). */
    static List<String> restartNeeded(GatewayConfig bound, GatewayConfig next) {
        List<String> out = new ArrayList<>();
        differs(out, "server.listen", bound.server().listen(), next.server().listen());
        differs(out, "server.io-threads", bound.server().ioThreads(), next.server().ioThreads());
        differs(out, "server.tls.listen", bound.server().tls() == null ? null : bound.server().tls().listen(),
                next.server().tls() == null ? null : next.server().tls().listen());
        differs(out, "server.transport", bound.server().transport(), next.server().transport());
        differs(out, "admin.enabled", bound.admin().enabled(), next.admin().enabled());
        differs(out, "admin.listen", bound.admin().listen(), next.admin().listen());
        differs(out, "demo-echo", bound.demoEcho(), next.demoEcho());
        differs(out, "metrics.enabled", bound.metrics().enabled(), next.metrics().enabled());
        differs(out, "reload", bound.reload(), next.reload());
        differs(out, "metadata.source", bound.metadata().source(), next.metadata().source());
        differs(out, "redis", bound.redis(), next.redis()); // the connection is built once; toString masks passwords
        return out;
    }

    private static void differs(List<String> out, String key, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            out.add(key + ": " + was + " -> " + now);
        }
    }
}
