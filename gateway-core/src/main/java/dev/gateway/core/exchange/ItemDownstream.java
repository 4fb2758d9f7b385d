package dev.gateway.core.exchange;

import dev.gateway.core.http.Header;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.terminal.DeadlineAlarm;
import dev.gateway.core.terminal.ItemSink;
import dev.gateway.core.upstream.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.List;

/**
 * The downstream of a batch item's exchange: instead of writing the response to a connection it collects it in
 * memory (up to the sink's limit) and hands it to the {@link ItemSink} when the exchange ends. The client is the outer
 * connection's; the item's own request is complete before it starts, so nothing is read, paused or continued. It is
 * also the item's {@link ClientFlow}: it keeps the call's deadline with a timer on the loop (a connection's handler
 * does that for its own exchanges). Confined to the outer exchange's event loop.
 */
final class ItemDownstream implements Downstream, ClientFlow {
    private final Downstream outer;
    private final InetAddress clientAddress;
    private final AsciiString clientIp;
    private final ItemSink sink;
    private int status;
    private HttpHeaders headers;
    private ByteBuf body;
    private boolean tooLarge;
    private boolean ended;
    private final DeadlineAlarm deadline = new DeadlineAlarm(this::deadlinePassed);
    private ClientFlow.Listener listener;

    ItemDownstream(Downstream outer, InetAddress clientAddress, AsciiString clientIp, ItemSink sink) {
        this.outer = outer;
        this.clientAddress = clientAddress;
        this.clientIp = clientIp;
        this.sink = sink;
    }

    @Override
    public EventLoop loop() {
        return outer.loop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return outer.alloc();
    }

    @Override
    public InetAddress clientAddress() {
        return clientAddress;
    }

    @Override
    public AsciiString clientIp() {
        return clientIp;
    }

    /** Never: the item's client is the outer request's attributed address, and its own headers are not trusted. */
    @Override
    public boolean isPeerTrusted() {
        return false;
    }

    @Override
    public AsciiString localPort() {
        return outer.localPort();
    }

    @Override
    public ClientFlow clientFlow() {
        return this;
    }

    @Override
    public void listen(ClientFlow.Listener l) {
        listener = l;
    }

    @Override
    public boolean inReadBatch() {
        return false;
    }

    @Override
    public void forwardHead(ResponseHead head, HttpHeaders edited, List<Header> extra, CharSequence requestId,
            boolean mustClose) {
        status = head.status();
        HttpHeaders h = edited != null ? edited : head.forwardedHeaders();
        if (extra != null) {
            for (int i = 0; i < extra.size(); i++) {
                h.add(extra.get(i).name(), extra.get(i).value());
            }
        }
        headers = h;
    }

    @Override
    public void forwardContent(ByteBuf in, int index, int length) {
        if (tooLarge) {
            return;
        }
        ByteBuf b = body;
        long size = (b == null ? 0 : b.readableBytes()) + (long) length;
        if (size > sink.maxResponseBytes()) {
            tooLarge = true;
            if (b != null) {
                b.release();
                body = null;
            }
            return;
        }
        if (b == null) {
            b = outer.alloc().heapBuffer(Math.max(length, 256));
            body = b;
        }
        b.writeBytes(in, index, length);
    }

    @Override
    public void forwardEnd(ByteBuf trailers) {
        if (trailers != null) {
            trailers.release();
        }
    }

    @Override
    public void upstreamReadComplete() {}

    @Override
    public boolean isWritable() {
        return true; // bounded by the sink's limit instead
    }

    @Override
    public void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body, boolean mustClose) {
        this.status = status.code();
        this.headers = headers;
        if (body.readableBytes() > sink.maxResponseBytes()) {
            tooLarge = true;
            body.release();
        } else {
            this.body = body;
        }
    }

    @Override
    public void sendContinue() {}

    @Override
    public void pauseRequestBody(boolean pause) {}

    @Override
    public void wakeBy(long deadlineNanos) {
        if (!ended) {
            deadline.set(outer.loop(), deadlineNanos);
        }
    }

    private void deadlinePassed() {
        ClientFlow.Listener l = listener;
        if (!ended && l != null) {
            l.onDeadline();
        }
    }

    @Override
    public void exchangeEnded(Exchange ex, boolean abort) {
        if (ended) {
            return;
        }
        ended = true;
        listener = null;
        deadline.cancel();
        ByteBuf b = body;
        body = null;
        ItemSink.Outcome outcome = abort ? ItemSink.Outcome.ABORTED
                : tooLarge ? ItemSink.Outcome.TOO_LARGE : ItemSink.Outcome.COMPLETE;
        if (outcome != ItemSink.Outcome.COMPLETE && b != null) {
            b.release();
            b = null;
        }
        sink.itemEnded(outcome, status, headers, b);
    }
}
