package dev.gateway.loadtest;

import dev.gateway.core.config.App;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.FilterSpec;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.Problems;
import dev.gateway.core.config.RouteConfig;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterFactory;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.limit.LocalLimits;
import dev.gateway.core.metrics.Meters;
import dev.gateway.filters.ratelimit.RateLimitFilterFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the rate-limit filter adds to a request, as the proxy bench's full.yml runs it: one local per-app token bucket
 * far above the load, its RateLimit fields set on the context. {@code context} makes only the request's context (the
 * baseline); {@code localLimit} makes it and runs the filter; the difference is the filter's cost per request.
 *
 * <p>Run: {@code java -jar loadtest/target/benchmarks.jar RateLimitFilter -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RateLimitFilterBenchmark {
    GatewayFilter filter;
    DefaultEventLoop loop;
    InetAddress client;
    App app;
    DefaultHttpHeaders headers;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Path dir = Files.createTempDirectory("rl-bench");
        Files.writeString(dir.resolve("gateway.yml"), """
                upstreams:
                  u: { targets: [http://127.0.0.1:1] }
                routes:
                  - { id: bench, paths: [/**], upstream: u }
                limits:
                  - { id: bench-ceiling, routes: [all], key: [app], rate: 10000000/s, burst: 10000000 }
                """);
        RateLimitFilterFactory factory = new RateLimitFilterFactory(new LocalLimits(),
                Meters.create(new SimpleMeterRegistry()));
        GatewayConfig config = new ConfigLoader(k -> null, List.of(factory)).load(dir.resolve("gateway.yml"));
        RouteConfig r = config.routes().get(0);
        FilterSpec spec = r.filters().get(0);
        Problems problems = new Problems();
        filter = FilterFactory.create(spec, new FilterContext(r.id(), r.group(), config, Map.of(), problems, spec.location(),
                spec.path()));
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.toString());
        }
        loop = new DefaultEventLoop();
        client = InetAddress.getByName("127.0.0.1");
        app = new App("bench-app", List.of("s".getBytes()), true, Set.of("bench"), Set.of(), null, null, List.of());
        headers = new DefaultHttpHeaders();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    private RequestContext newContext() {
        RequestContext ctx = new RequestContext("req", HttpMethod.GET, "/echo", "/echo", null, headers, "bench", null,
                client, loop, 0, "HTTP/1.1");
        ctx.set(StandardAttrs.APP, app);
        return ctx;
    }

    @Benchmark
    public RequestContext context() {
        return newContext();
    }

    @Benchmark
    public CompletionStage<FilterResult> localLimit() {
        return filter.apply(newContext());
    }
}
