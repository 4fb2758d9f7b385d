package dev.gateway.core.exchange;

import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.InProcess;
import dev.gateway.core.terminal.ItemSink;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.net.InetAddress;

/**
 * Starts a batch's items as exchanges of their own inside the outer exchange ({@link InProcess}): same event loop,
 * snapshot, access log and metrics; the client is the outer request's (its attributed address, never a header of the
 * item); the app is the outer request's verified one. Each item's response goes to an {@link ItemDownstream} that
 * collects it for the batch. One per outer exchange; confined to its event loop.
 */
final class ItemRunner implements InProcess {
    private final Downstream outer;
    private final Snapshot snapshot;
    private final ExchangeLog log;
    private final RequestMetrics unrouted;
    private final InetAddress clientAddress;
    private final AsciiString clientIp;
    private final dev.gateway.core.config.App app;

    ItemRunner(Exchange exchange, Downstream outer, Snapshot snapshot, ExchangeLog log, RequestMetrics unrouted) {
        this.outer = outer;
        this.snapshot = snapshot;
        this.log = log;
        this.unrouted = unrouted;
        RequestContext ctx = exchange.context();
        InetAddress a = ctx.clientAddress();
        this.clientAddress = a;
        this.clientIp = a == null || a.equals(outer.clientAddress()) ? outer.clientIp()
                : AsciiString.of(a.getHostAddress());
        this.app = ctx.get(StandardAttrs.APP);
    }

    @Override
    public Item start(HttpRequest request, ByteBuf body, String requestId, ItemSink sink) {
        ItemDownstream d = new ItemDownstream(outer, clientAddress, clientIp, sink);
        Exchange ex = new Exchange(d, snapshot, log, unrouted, request, System.nanoTime(), requestId, app);
        ex.begin();
        LastHttpContent last = body == null ? LastHttpContent.EMPTY_LAST_CONTENT : new DefaultLastHttpContent(body);
        ex.onRequestContent(last);
        return new Item() {
            @Override
            public void expire(GatewayError error) {
                ex.expire(error);
            }

            @Override
            public void cancel() {
                ex.clientGone();
            }
        };
    }
}
