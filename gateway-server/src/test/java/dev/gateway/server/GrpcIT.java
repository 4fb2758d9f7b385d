package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.GrpcEcho;
import dev.gateway.server.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC services behind the gateway: a real grpc-java server (test.Echo, see {@link GrpcEcho}) as an {@code h2c}
 * upstream. The calls here are gRPC-framed requests sent over HTTP/1.1 (the gateway converts them to HTTP/2
 * streams), so that the upstream side is proved on its own: messages both ways, trailers ({@code grpc-status},
 * {@code grpc-message}) passed through, and {@code grpc-timeout} honoured as the call's deadline.
 */
class GrpcIT {
    static GrpcEcho echo;
    static GatewayServer gateway;

    @BeforeAll
    static void start() throws Exception {
        echo = new GrpcEcho();
        gateway = Gateways.start(Gateways.yaml("", """
                upstreams:
                  echo: { targets: ["http://127.0.0.1:${PORT}"], protocol: h2c }
                routes:
                  - {id: grpc, paths: [/test.Echo/**], upstream: echo, timeout: 30s}
                """), Map.of("PORT", Integer.toString(echo.port())));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    /** A gRPC message frame: not compressed, 4-byte length, the bytes. */
    static byte[] frame(String message) {
        byte[] m = message.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(5 + m.length).put((byte) 0).putInt(m.length).put(m).array();
    }

    /** The messages of a gRPC response body. */
    static java.util.List<String> messages(byte[] body) {
        java.util.List<String> out = new java.util.ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(body);
        while (b.remaining() >= 5) {
            assertThat(b.get()).as("compressed flag").isZero();
            byte[] m = new byte[b.getInt()];
            b.get(m);
            out.add(new String(m, StandardCharsets.UTF_8));
        }
        assertThat(b.remaining()).isZero();
        return out;
    }

    static RawHttp.Response call(String method, String extraHeaders, String... messages) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String m : messages) {
            body.writeBytes(frame(m));
        }
        try (RawHttp c = new RawHttp(gateway.port())) {
            c.send(("POST /test.Echo/" + method + " HTTP/1.1\r\nHost: gw.test\r\nContent-Type: application/grpc\r\n"
                    + "TE: trailers\r\n" + extraHeaders + "Content-Length: " + body.size() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            c.send(body.toByteArray());
            return c.read();
        }
    }

    @Test
    void unaryCallPassesMessageAndTrailers() throws Exception {
        RawHttp.Response r = call("Unary", "", "hello");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).isEqualTo("application/grpc");
        assertThat(messages(r.body())).containsExactly("echo:hello");
        assertThat(r.trailer("grpc-status")).isEqualTo("0");
    }

    @Test
    void serverStreamingCallPassesEveryMessage() throws Exception {
        RawHttp.Response r = call("Split", "", "abc");
        assertThat(messages(r.body())).containsExactly("a", "b", "c");
        assertThat(r.trailer("grpc-status")).isEqualTo("0");
    }

    @Test
    void clientStreamingAndBidiCallsTakeEveryMessage() throws Exception {
        RawHttp.Response join = call("Join", "", "x", "y", "z");
        assertThat(messages(join.body())).containsExactly("x+y+z");
        assertThat(join.trailer("grpc-status")).isEqualTo("0");
        RawHttp.Response chat = call("Chat", "", "one", "two");
        assertThat(messages(chat.body())).containsExactly("re:one", "re:two");
        assertThat(chat.trailer("grpc-status")).isEqualTo("0");
    }

    @Test
    void errorStatusAndMessageOfTheServicePassThrough() throws Exception {
        RawHttp.Response r = call("Unary", "", "fail:5 no such thing");
        assertThat(r.status()).isEqualTo(200);
        // A trailers-only response: grpc-status in the HTTP/2 HEADERS that end the stream, so in the head here.
        String status = r.header("grpc-status") != null ? r.header("grpc-status") : r.trailer("grpc-status");
        String message = r.header("grpc-message") != null ? r.header("grpc-message") : r.trailer("grpc-message");
        assertThat(status).isEqualTo("5");
        assertThat(message).isEqualTo("no such thing");
    }

    @Test
    void grpcTimeoutEndsTheCallBeforeTheRouteTimeout() throws Exception {
        long started = System.nanoTime();
        RawHttp.Response r = call("Unary", "grpc-timeout: 300m\r\n", "hold");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        // The route's timeout is 30 s: the call ended on its own 300 ms deadline (a generous bound for a busy box).
        assertThat(tookMillis).isLessThan(20_000);
        String status = r.header("grpc-status") != null ? r.header("grpc-status") : r.trailer("grpc-status");
        assertThat(status).as("DEADLINE_EXCEEDED, from the gateway or from the service").isEqualTo("4");
    }
}
