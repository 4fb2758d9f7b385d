package dev.gateway.loadtest.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** The same request every time: built once into a direct buffer, each request a retained duplicate of it. */
final class PlainRequest implements RequestMaker {
    private final ByteBuf request;

    PlainRequest(LoadGenOptions o, ByteBufAllocator alloc) {
        byte[] head = RequestHead.latin1(RequestHead.head(o).append("\r\n"));
        request = alloc.directBuffer(head.length + o.body().length);
        request.writeBytes(head).writeBytes(o.body());
    }

    @Override
    public ByteBuf next(ByteBufAllocator alloc, long wallMillis) {
        return request.retainedDuplicate(); // released by the channel once written
    }

    @Override
    public void release() {
        request.release();
    }
}
