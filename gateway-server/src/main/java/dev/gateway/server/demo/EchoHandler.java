package dev.gateway.server.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The demo upstream: answers every request with a JSON description of what it received (method, URI, headers,
 * body as text up to 64 KiB, and the body's full length). Streams the body without keeping more than that.
 *
 * <p>A WebSocket handshake (on any path) is accepted instead, and then every text and binary frame is echoed back
 * as it came, pings are answered and a close is returned: what {@code docs/examples/WsEcho.java} talks to through a
 * route with {@code websocket: true}. While the client does not read its echoes, the socket is not read either.
 */
final class EchoHandler extends ChannelInboundHandlerAdapter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ECHOED_BODY = 64 * 1024;
    private static final int MAX_FRAME = 64 * 1024;

    private HttpRequest request;
    private ByteBuf body;
    private long bodyBytes;
    /** Set once a WebSocket handshake was answered: from then on only frames count. */
    private WebSocketServerHandshaker webSocket;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (webSocket != null) {
                // The rest of the handshake request (its empty last content) is dropped; frames are echoed.
                if (msg instanceof WebSocketFrame frame) {
                    echo(ctx, frame);
                }
                return;
            }
            if (msg instanceof HttpRequest req) {
                if (req.decoderResult().isFailure()) {
                    ctx.close();
                    return;
                }
                if (isWebSocketUpgrade(req)) {
                    acceptWebSocket(ctx, req);
                    return;
                }
                request = req;
                bodyBytes = 0;
                body = ctx.alloc().buffer(0, MAX_ECHOED_BODY);
            }
            if (msg instanceof HttpContent content && request != null) {
                ByteBuf in = content.content();
                bodyBytes += in.readableBytes();
                int room = MAX_ECHOED_BODY - body.readableBytes();
                body.writeBytes(in, in.readerIndex(), Math.min(room, in.readableBytes()));
                if (content instanceof LastHttpContent) {
                    respond(ctx);
                }
            }
        } finally {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private void respond(ChannelHandlerContext ctx) {
        ObjectNode root = JSON.createObjectNode();
        root.put("service", "demo-echo");
        root.put("method", request.method().name());
        root.put("uri", request.uri());
        root.put("version", request.protocolVersion().text());
        ObjectNode headers = root.putObject("headers");
        for (Map.Entry<String, String> e : request.headers()) {
            String name = e.getKey().toLowerCase(java.util.Locale.ROOT);
            if (headers.has(name)) {
                com.fasterxml.jackson.databind.JsonNode prev = headers.get(name);
                ArrayNode arr = prev.isArray() ? (ArrayNode) prev : headers.putArray(name).add(prev.asText());
                if (!prev.isArray()) {
                    headers.set(name, arr);
                }
                arr.add(e.getValue());
            } else {
                headers.put(name, e.getValue());
            }
        }
        root.put("body", body.toString(StandardCharsets.UTF_8));
        root.put("body_bytes", bodyBytes);
        body.release();
        body = null;
        byte[] json;
        try {
            json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            json = "{}".getBytes(StandardCharsets.UTF_8);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(json, new byte[] {'\n'}));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
        request = null;
        if (keepAlive) {
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static boolean isWebSocketUpgrade(HttpRequest req) {
        return req.method() == HttpMethod.GET
                && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                && req.headers().contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void acceptWebSocket(ChannelHandlerContext ctx, HttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://" + host + req.uri(),
                null, true, MAX_FRAME).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        webSocket = handshaker;
        // A GET has no body: the handshake needs only the head, as a full request.
        FullHttpRequest head = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER, req.headers(), EmptyHttpHeaders.INSTANCE);
        handshaker.handshake(ctx.channel(), head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /** Called with {@code frame} still owned by {@link #channelRead}, which releases it. */
    private void echo(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            webSocket.close(ctx.channel(), close.retain());
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (!(frame instanceof PongWebSocketFrame)) {
            ctx.writeAndFlush(frame.retain()); // text, binary and continuation frames, as they came
            if (!ctx.channel().isWritable()) {
                ctx.channel().config().setAutoRead(false); // resumed in channelWritabilityChanged
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (body != null) {
            body.release();
            body = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
