package dev.gateway.filters.cors;

import dev.gateway.core.config.Section;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Builds {@code cors} filters. Needs no service. */
public final class CorsFilterFactory implements FilterFactory<CorsConfig> {

    @Override
    public String name() {
        return "cors";
    }

    @Override
    public CorsConfig read(Section s) {
        List<String> origins = s.scalars("allow-origins", n -> {
            String o = n.value().trim();
            boolean ok = o.equals("*") || o.matches("https?://(\\*\\.)?[A-Za-z0-9.-]+(:\\d+)?");
            if (!ok) {
                s.problems().add(n, "expected \"*\" or an origin such as https://app.example.com, found '"
                        + n.value() + "'");
                return null;
            }
            return o.toLowerCase(Locale.ROOT);
        });
        if (origins.isEmpty()) {
            s.problems().add(s.node().location(), s.child("allow-origins"), "at least one origin is required");
        }
        List<String> methods = s.scalars("allow-methods", n -> n.value().trim().toUpperCase(Locale.ROOT));
        if (methods.isEmpty()) {
            methods = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
        }
        List<String> headers = s.scalars("allow-headers", n -> n.value().trim().toLowerCase(Locale.ROOT));
        List<String> expose = s.scalars("expose-headers", n -> n.value().trim().toLowerCase(Locale.ROOT));
        boolean credentials = s.bool("allow-credentials", false);
        Duration maxAge = s.duration("max-age", Duration.ofMinutes(10));
        if (credentials && origins.contains("*")) {
            s.problems().add(s.node().location(), s.child("allow-credentials"),
                    "credentials cannot be allowed for any origin (\"*\"): list the origins");
        }
        s.finish();
        return new CorsConfig(origins, methods, headers, expose, credentials, maxAge);
    }

    @Override
    public java.util.Set<String> extraMethods() {
        return java.util.Set.of("OPTIONS");
    }

    @Override
    public GatewayFilter create(FilterContext context, CorsConfig config) {
        return new CorsFilter(config);
    }
}
