package dev.gateway.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Registered for every test class through
 * JUnit's extension auto-detection; tests run with {@code -Dio.netty.leakDetection.level=paranoid}.
 *
 * <p>Netty reports a leak when the leaked buffer has been garbage-collected and a later allocation polls the
 * detector's queue, so this collects garbage and allocates a few buffers before looking.
 */
public final class LeakCheckExtension implements AfterAllCallback {

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 3; i++) {
            System.gc();
            for (ByteBufAllocator a : new ByteBufAllocator[] {ByteBufAllocator.DEFAULT,
                    PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT}) {
                ByteBuf b = a.directBuffer(16);
                b.release();
                b = a.heapBuffer(16);
                b.release();
            }
        }
        List<String> leaks = LeakRecorder.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n\n", leaks));
        }
    }
}
