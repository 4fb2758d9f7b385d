package dev.gateway.filters.cors;

import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.Section;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.GatewayFilter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Builds {@code cors} filters. Needs no service. */
public final class CorsFilterFactory implements FilterFactory<CorsConfig> {
    /** An HTTP token (RFC 9110): what a method or a header name may be. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    @Override
    public String name() {
        return "cors";
    }

    @Override
    public CorsConfig read(Section s) {
        CorsConfig.Mode mode = s.enumValue("mode", CorsConfig.Mode.class, CorsConfig.Mode.STRICT);
        List<ConfigNode> listed = s.list("allow-origins");
        List<String> origins = new ArrayList<>(listed.size());
        for (ConfigNode item : listed) {
            if (!(item instanceof ConfigNode.ScalarNode n) || n.value() == null) {
                s.problems().add(item, "expected an origin, found " + item.kind());
                continue;
            }
            try {
                OriginMatcher.canonical(n.value());
                origins.add(n.value().trim());
            } catch (IllegalArgumentException e) {
                s.problems().add(n, e.getMessage());
            }
        }
        if (listed.isEmpty()) {
            s.problems().add(s.node().location(), s.child("allow-origins"), "at least one origin is required");
        }
        List<String> methods = s.scalars("allow-methods", n -> token(s, n, "method", true));
        if (methods.isEmpty()) {
            methods = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");
        }
        List<String> headers = s.scalars("allow-headers", n -> token(s, n, "header name", false));
        List<String> expose = s.scalars("expose-headers", n -> token(s, n, "header name", false));
        boolean credentials = s.bool("allow-credentials", false);
        Duration maxAge = s.duration("max-age", Duration.ofMinutes(10));
        if (credentials && origins.contains("*")) {
            // Browsers refuse "*" with credentials, and echoing any origin instead would let every site read the
            // answers to its visitors' credentialed calls: the origins must be listed.
            s.problems().add(s.raw("allow-credentials"), "true cannot be combined with \"*\" in allow-origins: list"
                    + " the origins (patterns such as https://*.example.com are fine)");
        }
        s.finish();
        if (origins.isEmpty() || credentials && origins.contains("*")) {
            return null; // reported above; the configuration is rejected
        }
        return new CorsConfig(mode, origins, methods, headers, expose, credentials, maxAge);
    }

    private static String token(Section s, ConfigNode.ScalarNode n, String what, boolean upperCase) {
        String v = n.value().trim();
        if (!TOKEN.matcher(v).matches() || v.equals("*")) {
            s.problems().add(n, "expected a " + what + ", found '" + n.value() + "'");
            return null;
        }
        return upperCase ? v.toUpperCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT);
    }

    @Override
    public Set<String> extraMethods() {
        return Set.of("OPTIONS");
    }

    @Override
    public GatewayFilter create(FilterContext context, CorsConfig config) {
        return new CorsFilter(config);
    }
}
