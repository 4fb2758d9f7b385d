package dev.gateway.server.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 client over a plain socket: sends exactly the bytes a test gives (malformed requests, pipelining,
 * hop-by-hop headers that JDK clients refuse to send) and parses responses strictly.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /**
     * A parsed response. Header names are lower case; a header may repeat. {@code trailers}: the trailer fields of a
     * chunked body, the same way (empty otherwise).
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body, boolean complete,
            Map<String, List<String>> trailers) {
        public Response(int status, Map<String, List<String>> headers, byte[] body, boolean complete) {
            this(status, headers, body, complete, Map.of());
        }

        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String trailer(String name) {
            List<String> v = trailers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.get(0);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public RawHttp(int port) throws IOException {
        this.socket = new Socket("127.0.0.1", port);
        this.socket.setSoTimeout(10_000);
        this.socket.setTcpNoDelay(true);
        this.in = new java.io.BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public Socket socket() {
        return socket;
    }

    public RawHttp send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp send(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    public OutputStream output() {
        return out;
    }

    public InputStream input() {
        return in;
    }

    /** One-shot: new connection, send, read one response, close. */
    public static Response exchange(int port, String raw) throws IOException {
        try (RawHttp c = new RawHttp(port)) {
            return c.send(raw).read();
        }
    }

    /** Reads one response to a non-HEAD request. */
    public Response read() throws IOException {
        return read(false);
    }

    /** Receives body bytes as they arrive: {@code len} bytes of {@code buf} from {@code off}, at {@code bodyOffset}. */
    public interface BodySink {
        void accept(byte[] buf, int off, int len, long bodyOffset);
    }

    /**
     * Reads the status line and headers of one final response, leaving its body unread (for bodies too large to
     * hold: see {@link #readBody}). The returned response has an empty body and {@code complete} false.
     */
    public Response readHead() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        String l;
        while ((l = line()) != null && !l.isEmpty()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        if (status < 200) {
            return readHead();
        }
        return new Response(status, headers, new byte[0], false);
    }

    /**
     * Streams the body of the response whose head {@link #readHead} returned into {@code sink}, holding at most
     * 64 KiB, and returns the number of body bytes read. Stops early (returning fewer bytes) if the connection ends
     * before the body does.
     */
    public long readBody(Response head, BodySink sink) throws IOException {
        byte[] buf = new byte[64 * 1024];
        String te = head.header("transfer-encoding");
        String cl = head.header("content-length");
        if (te != null && te.equalsIgnoreCase("chunked")) {
            long total = 0;
            while (true) {
                String size = line();
                if (size == null) {
                    return total;
                }
                long n = chunkSize(size);
                if (n == 0) {
                    readTrailers(new java.util.HashMap<>());
                    return total;
                }
                long got = stream(buf, n, total, sink);
                total += got;
                if (got != n || line() == null) {
                    return total;
                }
            }
        }
        return stream(buf, cl != null ? Long.parseLong(cl) : Long.MAX_VALUE, 0, sink);
    }

    private long stream(byte[] buf, long n, long offset, BodySink sink) throws IOException {
        long done = 0;
        while (done < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            sink.accept(buf, 0, r, offset + done);
            done += r;
        }
        return done;
    }

    public Response read(boolean head) throws IOException {
        Response h = readHead();
        int status = h.status();
        Map<String, List<String>> headers = h.headers();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        Map<String, List<String>> trailers = new java.util.LinkedHashMap<>();
        boolean complete = true;
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (head || status == 204 || status == 304) {
            // no body
        } else if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
            complete = readChunked(body, trailers);
        } else if (cl != null) {
            long n = Long.parseLong(cl.get(0));
            complete = copy(body, n) == n;
        } else {
            copy(body, Long.MAX_VALUE);
        }
        return new Response(status, headers, body.toByteArray(), complete, trailers);
    }

    private static long chunkSize(String line) {
        int semi = line.indexOf(';');
        return Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
    }

    /** Reads trailers up to the empty line into {@code trailers}; false if the connection ended first. */
    private boolean readTrailers(Map<String, List<String>> trailers) throws IOException {
        String t;
        while ((t = line()) != null && !t.isEmpty()) {
            int colon = t.indexOf(':');
            if (colon > 0) {
                trailers.computeIfAbsent(t.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new java.util.ArrayList<>()).add(t.substring(colon + 1).trim());
            }
        }
        return t != null;
    }

    private boolean readChunked(ByteArrayOutputStream body, Map<String, List<String>> trailers) throws IOException {
        while (true) {
            String size = line();
            if (size == null) {
                return false;
            }
            long n = chunkSize(size);
            if (n == 0) {
                return readTrailers(trailers);
            }
            if (copy(body, n) != n) {
                return false;
            }
            if (line() == null) {
                return false;
            }
        }
    }

    private long copy(ByteArrayOutputStream to, long n) throws IOException {
        byte[] buf = new byte[8192];
        long done = 0;
        while (done < n) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            to.write(buf, 0, r);
            done += r;
        }
        return done;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** True if the peer closed the connection (read hits EOF within the socket timeout). */
    public boolean isClosedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    /** Sets how long reads wait. */
    public RawHttp timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
