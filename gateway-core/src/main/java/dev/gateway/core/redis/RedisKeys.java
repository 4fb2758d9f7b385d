package dev.gateway.core.redis;

/**
 * Builds the gateway's Redis keys: {@code prefix + part:part...}, optionally with a hash tag right after the prefix,
 * {@code gw:{tag}:part}. Keys that one script or one multi-key command touches together share a hash tag, so Redis
 * Cluster puts them in one slot and the same code works standalone and on Cluster. The prefix holds no braces (the
 * configuration refuses them), so the first {@code {...}} of a key is always the tag given here. Build keys once
 * (when a route is compiled) where they are fixed; building one per request is a concatenation.
 *
 * @param prefix what every key starts with, e.g. {@code gw:}
 */
public record RedisKeys(String prefix) {
    private static final char SEPARATOR = ':';

    public RedisKeys {
        if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("a key prefix holds no hash tag braces: " + prefix);
        }
    }

    /** {@code prefix + parts joined by ':'}, e.g. {@code key("apps", "k1")} is {@code gw:apps:k1}. */
    public String key(String... parts) {
        StringBuilder b = new StringBuilder(prefix);
        append(b, parts, false);
        return b.toString();
    }

    /**
     * {@code prefix + {tag} + :parts}, e.g. {@code tagged("rl:orders", "tokens")} is {@code gw:{rl:orders}:tokens}:
     * every key with the same tag lands in the same cluster slot.
     */
    public String tagged(String tag, String... parts) {
        if (tag.isEmpty() || tag.indexOf('{') >= 0 || tag.indexOf('}') >= 0) {
            throw new IllegalArgumentException("a hash tag is non-empty and holds no braces: " + tag);
        }
        StringBuilder b = new StringBuilder(prefix).append('{').append(tag).append('}');
        append(b, parts, true);
        return b.toString();
    }

    private static void append(StringBuilder b, String[] parts, boolean separateFirst) {
        for (int i = 0; i < parts.length; i++) {
            if (i > 0 || separateFirst) {
                b.append(SEPARATOR);
            }
            b.append(parts[i]);
        }
    }
}
