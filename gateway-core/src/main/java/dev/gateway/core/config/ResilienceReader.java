package dev.gateway.core.config;

/** Reads an upstream's {@code fallback:}. Off the event loops. */
final class ResilienceReader {
    private ResilienceReader() {}

    /** {@code fallback:} at {@code node}: {@code {upstream: name}} or a fixed response (the keys of a mock). */
    static FallbackConfig fallback(ConfigNode node, Problems p) {
        if (node instanceof ConfigNode.MapNode m && m.entries().containsKey("upstream")) {
            Upstream u = Binder.bind(node, Upstream.class, p);
            ConfigNode n = m.entries().get("upstream");
            return new FallbackConfig(u.upstream(), null, n.location(), n.path());
        }
        return new FallbackConfig(null, MockReader.read(node, p), node.location(), node.path());
    }

    /** {@code fallback: {upstream: name}}. */
    record Upstream(String upstream) {}
}
