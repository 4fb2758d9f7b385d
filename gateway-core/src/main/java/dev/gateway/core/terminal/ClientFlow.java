package dev.gateway.core.terminal;

/**
 * The client side's flow as a call sees it: a wake-up by a deadline, pausing and resuming the request body, whether a
 * client read batch is being delivered, and whether the client takes more response bytes. Implemented once per
 * client connection (an HTTP/1.1 connection's handler; an HTTP/2 stream later) and once per batch item, and reached
 * directly through {@link TerminalExchange#clientFlow()}: nothing relays it. Every method runs on the event loop.
 */
public interface ClientFlow {

    /**
     * From now on the flow's events go to {@code listener} (the call's current upstream attempt), replacing any earlier
     * one; the exchange's end detaches it.
     */
    void listen(Listener listener);

    /**
     * Calls {@link Listener#onDeadline()} of the current listener once {@code deadlineNanos} (System.nanoTime) has
     * passed, not much later; replaces an earlier deadline. The listener checks the deadline is still its own.
     */
    void wakeBy(long deadlineNanos);

    /** Stops (true) or resumes (false) reading the rest of the request from the client: the upstream is backed up. */
    void pauseRequestBody(boolean pause);

    /** True while a read batch of the client is being delivered: flushes toward the upstream can wait for its end. */
    boolean inReadBatch();

    /** True if the client takes more response bytes now; false: stop reading upstream until onClientWritable. */
    boolean isWritable();

    /** What the flow wakes. Called on the event loop. */
    interface Listener {

        /** The deadline given to {@link #wakeBy} passed. */
        void onDeadline();

        /** The client's read batch ended: a moment to flush what was written upstream during it. */
        void onClientReadComplete();

        /** The client takes more bytes again: resume reading the response from upstream. */
        void onClientWritable();
    }
}
