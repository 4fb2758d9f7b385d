package dev.gateway.server.support;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (grpc-java, its shaded Netty) with the four kinds of call, built without protobuf: the messages
 * are UTF-8 strings. Service {@code test.Echo}: {@code Unary} answers "echo:" + the request (the request "fail:CODE
 * message" answers that status instead; "hold" never answers), {@code Split} streams one message per character,
 * {@code Join} answers the requests joined with "+", {@code Chat} answers each request with "re:" + it.
 */
public final class GrpcEcho implements AutoCloseable {
    public static final String SERVICE = "test.Echo";

    /** A UTF-8 string as a gRPC message. */
    public static final MethodDescriptor.Marshaller<String> STRING = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<String, String> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<String, String> SPLIT =
            method("Split", MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<String, String> JOIN =
            method("Join", MethodDescriptor.MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<String, String> CHAT =
            method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);

    private final Server server;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<StreamObserver<String>> held = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<String, String>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(STRING).setResponseMarshaller(STRING).build();
    }

    public GrpcEcho() throws IOException {
        this(null);
    }

    /** Over TLS with {@code certificate} (h2 by ALPN), or cleartext (h2c) when it is null. */
    public GrpcEcho(io.netty.pkitesting.X509Bundle certificate) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::unary))
                .addMethod(SPLIT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    calls.incrementAndGet();
                    req.chars().forEach(c -> out.onNext(String.valueOf((char) c)));
                    out.onCompleted();
                }))
                .addMethod(JOIN, ServerCalls.asyncClientStreamingCall(out -> {
                    calls.incrementAndGet();
                    List<String> got = new ArrayList<>();
                    return new StreamObserver<String>() {
                        @Override
                        public void onNext(String value) {
                            got.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {
                            out.onNext(String.join("+", got));
                            out.onCompleted();
                        }
                    };
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> {
                    calls.incrementAndGet();
                    return new StreamObserver<String>() {
                        @Override
                        public void onNext(String value) {
                            out.onNext("re:" + value);
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {
                            out.onCompleted();
                        }
                    };
                }))
                .build();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service);
        if (certificate != null) {
            b.sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forServer(
                    new ByteArrayInputStream(certificate.getCertificatePathPEM().getBytes(StandardCharsets.US_ASCII)),
                    new ByteArrayInputStream(certificate.getPrivateKeyPEM().getBytes(StandardCharsets.US_ASCII)))
                    .build());
        }
        server = b.build().start();
    }

    private void unary(String req, StreamObserver<String> out) {
        calls.incrementAndGet();
        if (req.startsWith("fail:")) {
            String[] p = req.substring(5).split(" ", 2);
            out.onError(Status.fromCodeValue(Integer.parseInt(p[0])).withDescription(p.length > 1 ? p[1] : null)
                    .asRuntimeException());
        } else if (req.equals("hold")) {
            held.add(out);
        } else {
            out.onNext("echo:" + req);
            out.onCompleted();
        }
    }

    public int port() {
        return server.getPort();
    }

    /** Calls the service received, of any method. */
    public int calls() {
        return calls.get();
    }

    @Override
    public void close() {
        for (StreamObserver<String> h : held) {
            try {
                h.onError(Status.CANCELLED.asRuntimeException());
            } catch (RuntimeException ignored) {
                // the call is already over
            }
        }
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
