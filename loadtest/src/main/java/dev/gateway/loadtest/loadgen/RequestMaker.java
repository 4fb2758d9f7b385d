package dev.gateway.loadtest.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Produces the bytes of one complete HTTP/1.1 request. Each worker thread has its own makers: they are used only on
 * that thread's event loop and must not block.
 */
interface RequestMaker {

    /**
     * The next request. The caller owns the returned buffer (it writes it, and the channel releases it).
     *
     * @param wallMillis the wall-clock time, for makers that date their requests
     */
    ByteBuf next(ByteBufAllocator alloc, long wallMillis);

    /** Releases what the maker holds; called once, on its loop, after its last {@link #next}. */
    void release();
}
