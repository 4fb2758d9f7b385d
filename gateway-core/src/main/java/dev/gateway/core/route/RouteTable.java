package dev.gateway.core.route;

import dev.gateway.core.http.PathNormalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The immutable routing table, compiled once per configuration load and swapped by reference.
 *
 * <p>Precedence, most specific first:
 * <ol>
 *   <li>host: an exact host, then wildcard hosts ({@code *.example.com}, longest suffix first, any depth of
 *       subdomain), then routes without hosts;</li>
 *   <li>path, compared segment by segment from the left: a literal segment beats a {@code {param}}, which beats
 *       a trailing {@code /**}; at the same depth an exact pattern beats a prefix one;</li>
 *   <li>method: a route that lists methods beats one that takes every method.</li>
 * </ol>
 * Matching walks a segment trie (no scan over all routes, no regex) and is safe to call from any thread.
 */
public final class RouteTable {
    /** Every route without hosts lives here; null if there is none. */
    private final Node anyHost;
    private final Map<String, Node> exactHosts;
    /** Suffixes ({@code .example.com}) with their tries, longest first. */
    private final String[] wildcardSuffixes;
    private final Node[] wildcardNodes;
    private final List<Route> routes;

    private RouteTable(Node anyHost, Map<String, Node> exactHosts, String[] suffixes, Node[] wildcardNodes,
            List<Route> routes) {
        this.anyHost = anyHost;
        this.exactHosts = exactHosts;
        this.wildcardSuffixes = suffixes;
        this.wildcardNodes = wildcardNodes;
        this.routes = routes;
    }

    /** One route's matching rules with its compiled form. */
    public record Entry(Route route, List<String> hosts, List<String> paths) {}

    public static RouteTable compile(List<Entry> entries) {
        Node any = null;
        Map<String, Node> exact = new HashMap<>();
        Map<String, Node> wildcard = new LinkedHashMap<>();
        List<Route> routes = new ArrayList<>();
        for (Entry e : entries) {
            routes.add(e.route());
            if (e.hosts().isEmpty()) {
                if (any == null) {
                    any = new Node();
                }
                for (String p : e.paths()) {
                    any.insert(PathPattern.parse(p), 0, e.route());
                }
            }
            for (String h : e.hosts()) {
                Node root;
                if (h.startsWith("*.")) {
                    root = wildcard.computeIfAbsent(h.substring(1), k -> new Node());
                } else {
                    root = exact.computeIfAbsent(h, k -> new Node());
                }
                for (String p : e.paths()) {
                    root.insert(PathPattern.parse(p), 0, e.route());
                }
            }
        }
        List<String> suffixes = new ArrayList<>(wildcard.keySet());
        suffixes.sort(Comparator.comparingInt(String::length).reversed());
        Node[] nodes = new Node[suffixes.size()];
        for (int i = 0; i < nodes.length; i++) {
            nodes[i] = wildcard.get(suffixes.get(i));
        }
        if (any != null) {
            any.freeze();
        }
        exact.values().forEach(Node::freeze);
        for (Node n : nodes) {
            n.freeze();
        }
        return new RouteTable(any, Map.copyOf(exact), suffixes.toArray(new String[0]), nodes, List.copyOf(routes));
    }

    public List<Route> routes() {
        return routes;
    }

    /**
     * The best route for a request, or null.
     *
     * @param host the Host header value (any case, port allowed) or null
     * @param method the request method, upper-case as sent
     * @param path the normalised path (see {@link PathNormalizer}), without query
     */
    public Route match(String host, String method, String path) {
        if (!exactHosts.isEmpty() || wildcardSuffixes.length > 0) {
            String h = host == null ? "" : canonicalHost(host);
            Node byHost = exactHosts.get(h);
            if (byHost != null) {
                Route r = byHost.match(path, 0, method);
                if (r != null) {
                    return r;
                }
            }
            for (int i = 0; i < wildcardSuffixes.length; i++) {
                String suffix = wildcardSuffixes[i];
                if (h.length() > suffix.length() && h.endsWith(suffix)) {
                    Route r = wildcardNodes[i].match(path, 0, method);
                    if (r != null) {
                        return r;
                    }
                }
            }
        }
        return anyHost == null ? null : anyHost.match(path, 0, method);
    }

    /** Lower case, without port or a trailing dot. */
    static String canonicalHost(String host) {
        int end = host.length();
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = host.lastIndexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        if (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        String h = end == host.length() ? host : host.substring(0, end);
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return h.toLowerCase(Locale.ROOT);
            }
        }
        return h;
    }

    /** A trie node: literal children, one parameter child, and the routes ending or prefix-matching here. */
    private static final class Node {
        private Map<String, Node> literalBuild = new LinkedHashMap<>();
        private String[] literalKeys = new String[0];
        private Node[] literalNodes = new Node[0];
        private Map<String, Node> literalMap;
        private Node param;
        private final Candidates exact = new Candidates();
        private final Candidates prefix = new Candidates();

        void insert(List<PathPattern.Segment> segs, int i, Route route) {
            if (i == segs.size()) {
                exact.add(route);
                return;
            }
            PathPattern.Segment s = segs.get(i);
            switch (s.kind()) {
                case WILDCARD -> prefix.add(route);
                case PARAM -> {
                    if (param == null) {
                        param = new Node();
                    }
                    param.insert(segs, i + 1, route);
                }
                default -> literalBuild.computeIfAbsent(s.text(), k -> new Node()).insert(segs, i + 1, route);
            }
        }

        void freeze() {
            literalKeys = literalBuild.keySet().toArray(new String[0]);
            literalNodes = literalBuild.values().toArray(new Node[0]);
            if (literalKeys.length > 8) {
                literalMap = Map.copyOf(literalBuild);
            }
            literalBuild = null;
            exact.freeze();
            prefix.freeze();
            for (Node n : literalNodes) {
                n.freeze();
            }
            if (param != null) {
                param.freeze();
            }
        }

        /** {@code pos} is at a '/' of {@code path}, or at its end. */
        Route match(String path, int pos, String method) {
            int n = path.length();
            if (pos >= n) {
                Route r = exact.select(method);
                return r != null ? r : prefix.select(method);
            }
            int start = pos + 1;
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = n;
            }
            Node child = literal(path, start, end);
            if (child != null) {
                Route r = child.match(path, end, method);
                if (r != null) {
                    return r;
                }
            }
            if (param != null && end > start) {
                Route r = param.match(path, end, method);
                if (r != null) {
                    return r;
                }
            }
            return prefix.select(method);
        }

        private Node literal(String path, int start, int end) {
            int len = end - start;
            if (literalMap != null) {
                return literalMap.get(path.substring(start, end));
            }
            String[] keys = literalKeys;
            for (int i = 0; i < keys.length; i++) {
                String k = keys[i];
                if (k.length() == len && path.regionMatches(start, k, 0, len)) {
                    return literalNodes[i];
                }
            }
            return null;
        }
    }

    /** Routes ending at one trie position: those with a method list first, then the catch-all. */
    private static final class Candidates {
        private List<Route> build = new ArrayList<>();
        private Route[] withMethods = new Route[0];
        private Route anyMethod;

        void add(Route r) {
            build.add(r);
        }

        void freeze() {
            List<Route> with = new ArrayList<>();
            for (Route r : build) {
                if (r.methods().isEmpty()) {
                    if (anyMethod == null) {
                        anyMethod = r;
                    }
                } else {
                    with.add(r);
                }
            }
            withMethods = with.toArray(new Route[0]);
            build = null;
        }

        Route select(String method) {
            Route[] rs = withMethods;
            for (int i = 0; i < rs.length; i++) {
                if (rs[i].methods().contains(method)) {
                    return rs[i];
                }
            }
            return anyMethod;
        }
    }
}
