package dev.gateway.core.config;

import dev.gateway.core.config.Binder.Positive;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One entry of {@code routes:}, bound by {@link Binder}: what it matches and where it sends the request.
 * {@code websocket}: WebSocket handshakes are forwarded with their Upgrade headers and the connection relays bytes
 * after the upstream's 101, closed after {@code websocketIdleTimeout} without a byte either way. Exactly one of
 * {@code upstream}, {@code mock} (the route answers itself) and {@code batch} (the route runs batch calls) is set.
 * {@code retries}: the route's {@code retries:} section, or null (then only a kept-alive connection that the upstream
 * closed as the request was sent is tried again, see {@code RetryPolicy.STALE_CONNECTION}). {@code circuitBreaker}:
 * the route's own breaker over all its upstream attempts, or null. {@code retries} and {@code circuitBreaker} are
 * only allowed on upstream routes. {@code filters} is the chain the filter factories build from the route's
 * {@code filters:} section, in chain order (see {@code RouteReader}).
 *
 * @param hosts lower-case; empty for any host
 * @param methods upper-case; empty for every method
 */
public record RouteConfig(
        @Binder.Required String id,
        ConfigNode.Location location,
        @Binder.KeyPath String path,
        List<String> hosts,
        List<String> paths,
        Set<String> methods,
        String upstream,
        @Binder.Key("upstream") ConfigNode.Location upstreamLocation,
        String stripPrefix,
        Rewrite replacePrefix,
        @Positive Duration timeout,
        @Positive Duration filterTimeout,
        String group,
        @Binder.Unbound List<FilterSpec> filters,
        boolean websocket,
        @Positive Duration websocketIdleTimeout,
        MockConfig mock,
        BatchConfig batch,
        RetriesConfig retries,
        CircuitBreakerConfig circuitBreaker) implements Binder.Validated {
    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
            + "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** A WebSocket relay without a byte either way for this long is closed (nginx's proxy_read_timeout default). */
    static final Duration DEFAULT_WEBSOCKET_IDLE = Duration.ofSeconds(60);

    public RouteConfig {
        filters = List.copyOf(filters);
        hosts = hosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        paths = List.copyOf(paths);
        methods = Set.copyOf(methods.stream().map(m -> m.trim().toUpperCase(Locale.ROOT)).toList());
    }

    static RouteConfig defaults() {
        return new RouteConfig(null, null, null, List.of(), List.of(), Set.of(), null, null, null, null,
                Duration.ofSeconds(30), Duration.ofSeconds(5), null, List.of(), false, DEFAULT_WEBSOCKET_IDLE, null,
                null, null, null);
    }

    @Override
    public void validate(Problems p) {
        if (id != null && !ConfigLoader.ID.matcher(id).matches()) {
            p.addAtMapping("id", "'" + id + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        List<String> rawHosts = written(p, "hosts");
        for (int i = 0; i < rawHosts.size(); i++) {
            if (rawHosts.get(i) != null && !HOST.matcher(rawHosts.get(i).trim()).matches()) {
                p.add("hosts[" + i + "]", "expected a host name or *.domain, found '" + rawHosts.get(i) + "'");
            }
        }
        for (int i = 0; i < paths.size(); i++) {
            String err = PathSyntax.validate(paths.get(i));
            if (err != null) {
                p.add("paths[" + i + "]", err);
            }
        }
        if (paths.isEmpty()) {
            p.addAtMapping("paths", "at least one path is required (use /** for all)");
        }
        List<String> rawMethods = written(p, "methods");
        for (int i = 0; i < rawMethods.size(); i++) {
            if (rawMethods.get(i) != null && !TOKEN.matcher(rawMethods.get(i).trim()).matches()) {
                p.add("methods[" + i + "]", "'" + rawMethods.get(i) + "' is not an HTTP method");
            }
        }
        int terminals = (upstream != null ? 1 : 0) + (mock != null ? 1 : 0) + (batch != null ? 1 : 0);
        if (terminals > 1) {
            p.addAtMapping(batch != null ? "batch" : "mock", "use one of upstream, mock and batch");
        } else if (terminals == 0) {
            p.addAtMapping("upstream", "is required (or mock, or batch)");
        }
        if (stripPrefix != null && replacePrefix != null) {
            p.addAtMapping("replace-prefix", "use strip-prefix or replace-prefix, not both");
        } else if (stripPrefix != null && PathSyntax.validatePrefix(stripPrefix) != null) {
            p.add("strip-prefix", PathSyntax.validatePrefix(stripPrefix));
        }
        if (retries != null && (mock != null || batch != null)) {
            p.add("retries", mock != null ? "a mock route has no upstream to retry"
                    : "a batch route has no upstream to retry (each item follows its own route's retries)");
        }
        if (circuitBreaker != null && (mock != null || batch != null)) {
            p.add("circuit-breaker", mock != null ? "a mock route has no upstream to guard"
                    : "a batch route has no upstream to guard (each item follows its own route's breaker)");
        }
    }

    /** The items of list {@code key} as written (a scalar is a one-item list), null for those not scalars. */
    private static List<String> written(Problems p, String key) {
        ConfigNode n = p.scope().entries().get(key);
        List<ConfigNode> items = n instanceof ConfigNode.ListNode l ? l.items() : n == null ? List.of() : List.of(n);
        return items.stream().map(i -> i instanceof ConfigNode.ScalarNode s ? s.value() : null).toList();
    }

    /** This route with another filter list (the chain the filter factories build, or with filters added). */
    public RouteConfig withFilters(List<FilterSpec> chain) {
        return new RouteConfig(id, location, path, hosts, paths, methods, upstream, upstreamLocation, stripPrefix,
                replacePrefix, timeout, filterTimeout, group, chain, websocket, websocketIdleTimeout, mock, batch,
                retries, circuitBreaker);
    }

    /** The path rewrite of {@code strip-prefix} or {@code replace-prefix}, or null (a trailing slash is dropped). */
    public Rewrite rewrite() {
        if (stripPrefix != null) {
            return new Rewrite(trimSlash(stripPrefix), "");
        }
        return replacePrefix == null ? null
                : new Rewrite(trimSlash(replacePrefix.from()), trimSlash(replacePrefix.to()));
    }

    private static String trimSlash(String prefix) {
        return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    /**
     * Replace the leading {@code from} of the normalised path with {@code to} (strip: {@code to} is empty); as
     * {@code replace-prefix: {from, to}}.
     */
    public record Rewrite(@Binder.Required String from, @Binder.Required String to) implements Binder.Validated {
        @Override
        public void validate(Problems p) {
            String e1 = from == null ? null : PathSyntax.validatePrefix(from);
            String e2 = to == null ? null : PathSyntax.validatePrefix(to);
            if (e1 != null) {
                p.add("from", e1);
            } else if (e2 != null) {
                p.add("to", e2);
            }
        }
    }
}
