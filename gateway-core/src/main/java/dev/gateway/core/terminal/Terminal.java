package dev.gateway.core.terminal;

import io.netty.handler.codec.http.HttpContent;

/**
 * The step after the filters, which produces a request's response: forwarding it upstream ({@link UpstreamTerminal}),
 * a mock, or a batch of in-process requests. One instance per route, immutable, compiled with the configuration; each request
 * gets its own {@link Call}. Everything runs on the request's event loop.
 */
public interface Terminal {

    /**
     * Starts answering the exchange: the terminal reports the response (or a failure) through {@code exchange}, maybe
     * before this returns. Request body pieces that arrived so far wait in the exchange ({@link
     * TerminalExchange#pollBody()}); later ones come through {@link Call#requestContent}.
     */
    Call open(TerminalExchange exchange);

    /** What the access log's upstream field shows when no upstream target was chosen (a mock), or null. */
    default String logName() {
        return null;
    }

    /** True for a batch terminal: a batch item may not reach another batch (no nesting). */
    default boolean isBatch() {
        return false;
    }

    /** One request's use of a terminal. */
    interface Call {

        /**
         * True once the call takes request body pieces directly through {@link #requestContent}; until then the
         * exchange queues them.
         */
        boolean takesBody();

        /** A piece of the request body; the call owns it from now on. {@code last}: the request is complete. */
        void requestContent(HttpContent piece, boolean last);

        /** The exchange ended before the call did (an error, or the client went away): let go of everything. */
        void cancel();
    }
}
