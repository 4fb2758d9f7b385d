package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.GrpcEcho;
import dev.gateway.server.support.TestPki;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC end to end with real grpc-java clients and servers: the client speaks h2c to the gateway (prior knowledge), the
 * gateway speaks h2c to one service and h2 over TLS to another. Unary and the three streaming kinds, the service's
 * status and message, and deadlines.
 */
class GrpcClientsIT {
    static GrpcEcho plain;
    static GrpcEcho secure;
    static GatewayServer gateway;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = TestPki.ca("grpc test CA");
        X509Bundle cert = pki.server("127.0.0.1");
        Path dir = Files.createTempDirectory("grpc-tls");
        pki.writeCa(dir, "ca.pem");
        plain = new GrpcEcho();
        secure = new GrpcEcho(cert);
        gateway = Gateways.start(Gateways.yaml("http2: {cleartext: prior-knowledge}", """
                upstreams:
                  plain: { targets: ["http://127.0.0.1:${PLAIN}"], protocol: h2c }
                  secure: { targets: ["https://127.0.0.1:${SECURE}"], protocol: h2, tls: {ca: "${DIR}/ca.pem"} }
                routes:
                  - {id: grpc, paths: [/test.Echo/**], upstream: plain, timeout: 30s}
                  - {id: grpc-tls, paths: [/test.Echo/**], hosts: [secure.test], upstream: secure, timeout: 30s}
                  - id: grpc-locked
                    paths: [/test.Echo/**]
                    hosts: [locked.test]
                    upstream: plain
                    filters: { hmac-auth: {} }
                """), Map.of("PLAIN", Integer.toString(plain.port()), "SECURE", Integer.toString(secure.port()),
                "DIR", dir.toString()));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (gateway != null) {
            gateway.close();
        }
        if (plain != null) {
            plain.close();
        }
        if (secure != null) {
            secure.close();
        }
    }

    static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @Test
    void unaryCallReachesTheServiceOverH2c() {
        int before = plain.calls();
        assertThat(ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, options(), "hello")).isEqualTo("echo:hello");
        assertThat(plain.calls()).isEqualTo(before + 1);
    }

    @Test
    void unaryCallReachesAServiceOverH2WithTls() {
        ManagedChannel toSecure = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext()
                .overrideAuthority("secure.test").build();
        try {
            int before = secure.calls();
            assertThat(ClientCalls.blockingUnaryCall(toSecure, GrpcEcho.UNARY, options(), "over tls"))
                    .isEqualTo("echo:over tls");
            assertThat(secure.calls()).isEqualTo(before + 1);
        } finally {
            toSecure.shutdownNow();
        }
    }

    @Test
    void serverStreamingCallGetsEveryMessage() {
        List<String> got = new ArrayList<>();
        ClientCalls.blockingServerStreamingCall(channel, GrpcEcho.SPLIT, options(), "grpc").forEachRemaining(got::add);
        assertThat(got).containsExactly("g", "r", "p", "c");
    }

    @Test
    void clientStreamingCallSendsEveryMessage() throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncClientStreamingCall(
                channel.newCall(GrpcEcho.JOIN, options()), observer(result, new ArrayList<>()));
        requests.onNext("a");
        requests.onNext("b");
        requests.onNext("c");
        requests.onCompleted();
        assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo("a+b+c");
    }

    @Test
    void bidiStreamingCallAnswersEachMessageAsItGoes() throws Exception {
        List<String> got = new ArrayList<>();
        CompletableFuture<String> done = new CompletableFuture<>();
        StreamObserver<String> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(GrpcEcho.CHAT, options()), observer(done, got));
        for (int i = 0; i < 50; i++) {
            requests.onNext("m" + i);
        }
        requests.onCompleted();
        done.get(20, TimeUnit.SECONDS);
        assertThat(got).hasSize(50).startsWith("re:m0", "re:m1").endsWith("re:m49");
    }

    @Test
    void aCallTheGatewayRefusesFailsWithAGrpcStatus() {
        ManagedChannel toLocked = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext()
                .overrideAuthority("locked.test").build();
        try {
            int before = plain.calls();
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(toLocked, GrpcEcho.UNARY, options(), "let me in"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).startsWith("missing_credentials: ");
                    });
            assertThat(plain.calls()).as("the service never saw the call").isEqualTo(before);
            // No route for another service: 404 no_route is UNIMPLEMENTED to a gRPC client.
            var unknown = GrpcEcho.UNARY.toBuilder().setFullMethodName("other.Service/Call").build();
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, unknown, options(), "x"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                        assertThat(e.getStatus().getDescription()).startsWith("no_route: ");
                    });
        } finally {
            toLocked.shutdownNow();
        }
    }

    @Test
    void statusAndMessageOfTheServiceReachTheClient() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY, options(),
                "fail:5 no such thing"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
                });
    }

    @Test
    void deadlineEndsACallTheServiceDoesNotAnswer() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GrpcEcho.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), "hold"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    }

    /** Collects the messages into {@code got}; completes {@code done} with the last one. */
    private static StreamObserver<String> observer(CompletableFuture<String> done, List<String> got) {
        return new StreamObserver<String>() {
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
                synchronized (got) {
                    done.complete(got.isEmpty() ? null : got.get(got.size() - 1));
                }
            }
        };
    }
}
