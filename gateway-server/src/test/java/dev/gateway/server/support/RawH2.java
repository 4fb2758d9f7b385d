package dev.gateway.server.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A raw HTTP/2 client for tests: frames are written by Netty's {@link DefaultHttp2FrameWriter} (through an
 * {@link EmbeddedChannel} whose output goes to a plain socket), so that a test can send what no well-behaved client
 * would (floods, malformed header blocks), and frames read back are split by their 9-byte headers.
 */
public final class RawH2 implements AutoCloseable {
    public static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
            WINDOW_UPDATE = 8, CONTINUATION = 9;

    /** One frame received. */
    public record Frame(int type, int flags, int stream, byte[] payload, Http2Headers headers) {
        /** The error code of a RST_STREAM or GOAWAY. */
        public long errorCode() {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
                    | (payload[at + 3] & 0xff);
        }

        @Override
        public String toString() {
            String detail = type == RST_STREAM || type == GOAWAY ? " error=" + errorCode()
                    : type == HEADERS ? " " + headers : type == DATA ? " " + payload.length + " bytes" : "";
            return "Frame[type=" + type + " flags=" + flags + " stream=" + stream + detail + "]";
        }

        public String text() {
            return new String(payload, StandardCharsets.ISO_8859_1);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final EmbeddedChannel channel;
    private final ChannelHandlerContext ctx;
    public final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder decoder =
            new io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder(false);

    private RawH2(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        this.channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        this.ctx = channel.pipeline().firstContext();
    }

    /** Connects and sends the preface and an empty SETTINGS frame; {@code receiveBuffer} 0 leaves the default. */
    public static RawH2 connect(int port, int receiveBuffer) throws IOException {
        return connect(port, receiveBuffer, new Http2Settings());
    }

    /** Connects and sends the preface and {@code settings}. */
    public static RawH2 connect(int port, int receiveBuffer, Http2Settings settings) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(10_000);
        RawH2 c = new RawH2(s);
        ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        c.out.write(ByteBufBytes.of(preface));
        c.writer.writeSettings(c.ctx, settings, c.ctx.newPromise());
        c.flush();
        // The gateway's SETTINGS come first; read acknowledges them, so its stream window applies from here on.
        for (Frame f; (f = c.read()) != null; ) {
            if (f.type() == SETTINGS && (f.flags() & 1) == 0) {
                break;
            }
        }
        return c;
    }

    public ChannelHandlerContext ctx() {
        return ctx;
    }

    /** The request fields of a GET (or {@code method}) to {@code path}, with {@code extra} name/value pairs. */
    public static Http2Headers request(String method, String path, String... extra) {
        Http2Headers h = new DefaultHttp2Headers(false).method(method).path(path).scheme("http")
                .authority("127.0.0.1");
        for (int i = 0; i < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        return h;
    }

    public RawH2 headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
        writer.writeHeaders(ctx, stream, headers, 0, endStream, ctx.newPromise());
        return flush();
    }

    public RawH2 data(int stream, byte[] bytes, boolean endStream) throws IOException {
        writer.writeData(ctx, stream, Unpooled.wrappedBuffer(bytes), 0, endStream, ctx.newPromise());
        return flush();
    }

    public RawH2 rst(int stream, long error) throws IOException {
        writer.writeRstStream(ctx, stream, error, ctx.newPromise());
        return flush();
    }

    /** A frame written byte by byte (for what the writer refuses to write, such as a CONTINUATION on its own). */
    public RawH2 frame(int type, int flags, int stream, byte[] payload) throws IOException {
        writer.writeFrame(ctx, (byte) type, stream, new Http2Flags((short) flags), Unpooled.wrappedBuffer(payload),
                ctx.newPromise());
        return flush();
    }

    /** The bytes of one frame (header and payload), to repeat without a buffer per frame. */
    public static byte[] frameBytes(int type, int flags, int stream, byte[] payload) {
        byte[] b = new byte[9 + payload.length];
        b[0] = (byte) (payload.length >>> 16);
        b[1] = (byte) (payload.length >>> 8);
        b[2] = (byte) payload.length;
        b[3] = (byte) type;
        b[4] = (byte) flags;
        b[5] = (byte) (stream >>> 24);
        b[6] = (byte) (stream >>> 16);
        b[7] = (byte) (stream >>> 8);
        b[8] = (byte) stream;
        System.arraycopy(payload, 0, b, 9, payload.length);
        return b;
    }

    public RawH2 writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Writes what the writer produced to the socket. */
    public RawH2 flush() throws IOException {
        channel.flush();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            try {
                bytes.write(ByteBufBytes.of(b));
            } finally {
                b.release();
            }
        }
        out.write(bytes.toByteArray());
        out.flush();
        return this;
    }

    /** The next frame, or null at the end of the connection (closed or reset). */
    public Frame read() throws IOException {
        try {
            int len = in.readUnsignedShort() << 8 | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            int stream = in.readInt() & 0x7fffffff;
            byte[] payload = new byte[len];
            in.readFully(payload);
            if (type == SETTINGS && (flags & 1) == 0) {
                // Acknowledged as any client does: the gateway's settings (its stream window) apply from then on.
                writer.writeSettingsAck(ctx, ctx.newPromise());
                flush();
            }
            Http2Headers headers = null;
            if (type == HEADERS) {
                // Decoded as it arrives: the HPACK table is the connection's (the gateway sends END_HEADERS blocks).
                ByteBuf block = Unpooled.wrappedBuffer(payload);
                try {
                    headers = decoder.decodeHeaders(stream, block);
                } catch (io.netty.handler.codec.http2.Http2Exception e) {
                    throw new IOException(e);
                }
            }
            return new Frame(type, flags, stream, payload, headers);
        } catch (EOFException | SocketException e) {
            return null;
        }
    }

    /** Frames until the first of {@code type} on {@code stream} (that one included), or until the end. */
    public List<Frame> readUntil(int type, int stream) throws IOException {
        List<Frame> frames = new ArrayList<>();
        for (Frame f; (f = read()) != null; ) {
            frames.add(f);
            if (f.type() == type && f.stream() == stream) {
                break;
            }
        }
        return frames;
    }

    /** Every frame until the gateway closes the connection. */
    public List<Frame> readToEnd() throws IOException {
        List<Frame> frames = new ArrayList<>();
        try {
            for (Frame f; (f = read()) != null; ) {
                frames.add(f);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection stayed open; frames so far: " + frames, e);
        }
        return frames;
    }

    public InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        channel.finishAndReleaseAll();
    }

    /** A buffer's readable bytes as an array (the buffer is not released). */
    static final class ByteBufBytes {
        static byte[] of(ByteBuf b) {
            byte[] a = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), a);
            return a;
        }
    }
}
