package dev.gateway.server.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.server.GatewayServer;
import dev.gateway.server.support.GrpcEcho;
import dev.gateway.server.support.Gateways;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real gRPC client (grpc-java, h2c with prior knowledge) through the gateway to a real gRPC server behind an h2c
 * upstream: every call kind, and a status with its message passed through in the trailers.
 */
class GrpcThroughH2cIT {
    static GrpcEcho echo;
    static GatewayServer gateway;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        echo = new GrpcEcho();
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                upstreams:
                  echo: { targets: ["http://127.0.0.1:${PORT}"], protocol: h2c }
                routes:
                  - {id: grpc, paths: [/test.Echo/**], upstream: echo, timeout: 30s}
                """), Map.of("PORT", Integer.toString(echo.port())));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @Test
    void unary() {
        assertThat(ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, options(), "hi")).isEqualTo("echo:hi");
    }

    @Test
    void serverStreaming() {
        Iterator<String> it = ClientCalls.blockingServerStreamingCall(channel, GrpcEcho.SPLIT, options(), "abc");
        List<String> got = new ArrayList<>();
        it.forEachRemaining(got::add);
        assertThat(got).containsExactly("a", "b", "c");
    }

    @Test
    void clientStreamingAndBidi() throws Exception {
        assertThat(collect(GrpcEcho.JOIN, "x", "y", "z")).containsExactly("x+y+z");
        assertThat(collect(GrpcEcho.CHAT, "1", "2")).containsExactly("re:1", "re:2");
    }

    private static List<String> collect(io.grpc.MethodDescriptor<String, String> method, String... messages)
            throws Exception {
        List<String> got = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<String> out = ClientCalls.asyncBidiStreamingCall(channel.newCall(method, options()),
                new StreamObserver<>() {
                    @Override
                    public void onNext(String value) {
                        synchronized (got) {
                            got.add(value);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        for (String m : messages) {
            out.onNext(m);
        }
        out.onCompleted();
        done.get(20, TimeUnit.SECONDS);
        synchronized (got) {
            return List.copyOf(got);
        }
    }

    @Test
    void statusAndMessageFromTheServiceReachTheClient() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, options(),
                "fail:5 no such thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
                });
    }

    @Test
    void aGatewayErrorIsAGrpcStatus() {
        // No route for this service: the gateway's 404 no_route becomes UNIMPLEMENTED, not an HTTP error.
        io.grpc.MethodDescriptor<String, String> other = GrpcEcho.UNARY.toBuilder()
                .setFullMethodName("other.Service/Call").build();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, other, options(), "x"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    }
}
