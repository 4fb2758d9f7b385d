package dev.gateway.core.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;

/**
 * The buffer allocator of every gateway channel: Netty's pooled allocator (its arenas are exported as metrics), or
 * Netty's default ({@code -Dgateway.allocator=default}, adaptive in Netty 4.2) for comparison.
 */
public final class Allocators {
    private Allocators() {}

    private static final ByteBufAllocator ALLOCATOR = "default".equals(System.getProperty("gateway.allocator"))
            ? ByteBufAllocator.DEFAULT : PooledByteBufAllocator.DEFAULT;

    public static ByteBufAllocator allocator() {
        return ALLOCATOR;
    }

    /** The pooled allocator when it is the one in use (for arena metrics), else null. */
    public static PooledByteBufAllocator pooled() {
        return ALLOCATOR instanceof PooledByteBufAllocator p ? p : null;
    }
}
