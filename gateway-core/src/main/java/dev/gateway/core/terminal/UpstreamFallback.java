package dev.gateway.core.terminal;

import dev.gateway.core.upstream.UpstreamGroup;

/**
 * An upstream's {@code fallback:}, what answers when none of its targets can take a request: another upstream group,
 * or a fixed response (a mock terminal). One is null. Compiled with the configuration; immutable.
 */
public record UpstreamFallback(UpstreamGroup upstream, Terminal response) {}
