package dev.gateway.server.support;

import dev.gateway.server.GatewayServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Added latency of a gRPC unary call through the gateway: one grpc-java client calls a grpc-java service directly and
 * through an in-process gateway (h2c both ways), alternating in rounds, one call at a time; prints p50 and p99 of
 * each and their difference (access log off: the test classpath logs it to the console). Test scope only. Run from the repository root after {@code mvn -DskipTests install}:
 * {@code mvn -q -pl gateway-server exec:java} is not configured, so use the test classpath, e.g.
 * {@code java -cp "$(cat cp.txt):gateway-server/target/test-classes:gateway-server/target/classes"
 * dev.gateway.server.support.GrpcLatency 5000}.
 */
public final class GrpcLatency {
    private GrpcLatency() {}

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        try (GrpcEcho echo = new GrpcEcho();
                GatewayServer gw = Gateways.start("""
                        server:
                          listen: 127.0.0.1:0
                          io-threads: 1
                          http2: {cleartext: prior-knowledge}
                        admin:
                          listen: 127.0.0.1:0
                        access-log:
                          enabled: false
                        upstreams:
                          echo: { targets: ["http://127.0.0.1:${PORT}"], protocol: h2c }
                        routes:
                          - {id: grpc, paths: [/test.Echo/**], upstream: echo}
                        """,
                        Map.of("PORT", Integer.toString(echo.port())))) {
            ManagedChannel direct = NettyChannelBuilder.forAddress("127.0.0.1", echo.port()).usePlaintext().build();
            ManagedChannel viaGateway = NettyChannelBuilder.forAddress("127.0.0.1", gw.port()).usePlaintext().build();
            for (int i = 0; i < warmup; i++) {
                call(direct);
                call(viaGateway);
            }
            long[] d = new long[calls];
            long[] g = new long[calls];
            for (int i = 0; i < calls; i++) {
                // Alternate so that both see the same machine load.
                d[i] = call(direct);
                g[i] = call(viaGateway);
            }
            Arrays.sort(d);
            Arrays.sort(g);
            System.out.printf("unary calls: %d each after %d warm-up%n", calls, warmup);
            System.out.printf("direct:      p50 %7.1f us  p99 %7.1f us%n", us(d, 0.50), us(d, 0.99));
            System.out.printf("via gateway: p50 %7.1f us  p99 %7.1f us%n", us(g, 0.50), us(g, 0.99));
            System.out.printf("added:       p50 %7.1f us  p99 %7.1f us%n", us(g, 0.50) - us(d, 0.50),
                    us(g, 0.99) - us(d, 0.99));
            direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            viaGateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static long call(ManagedChannel ch) {
        long t = System.nanoTime();
        String r = ClientCalls.blockingUnaryCall(ch, GrpcEcho.UNARY,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "ping");
        long took = System.nanoTime() - t;
        if (!r.equals("echo:ping")) {
            throw new IllegalStateException(r);
        }
        return took;
    }

    private static double us(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1000.0;
    }
}
