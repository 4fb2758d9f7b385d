package dev.gateway.loadtest;

import dev.gateway.core.config.App;
import dev.gateway.core.config.MetadataConfig;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.metadata.AppJson;
import dev.gateway.core.metadata.RedisMetadata;
import dev.gateway.core.redis.RedisService;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * App metadata lookups with {@code source: redis}, one thread: a cached hit ({@code cached}, what hmac-auth does
 * first: a Caffeine hit), a Bloom rejection ({@code find} of a key not in Redis: answered by the filter with no Redis
 * read), and the rejection as hmac-auth makes it ({@code cached} miss, then {@code find}). Keys are drawn in a
 * random order from {@code apps} stored apps, and as many unknown keys. Needs {@code redis-server} on the PATH: the
 * setup starts one on a free port (no persistence), stores the apps and warms the cache; the teardown kills it.
 *
 * <p>Run: {@code mvn -o -q -DskipTests package -pl loadtest -am && java -jar loadtest/target/benchmarks.jar
 * MetadataLookup -wi 3 -i 5 -f 3 -prof gc}, as for the figures in loadtest/results/README.md (goals: {@code cachedHit} at least 10 M
 * ops/s, {@code bloomRejection} at least 20 M).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class MetadataLookupBenchmark {
    private static final int MASK = 4095;

    @Param({"1000", "100000"})
    int apps;

    Process redisServer;
    Path dir;
    RedisService redis;
    RedisMetadata metadata;
    final String[] known = new String[MASK + 1];
    final String[] unknown = new String[MASK + 1];
    int i;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        try {
            start();
        } catch (Exception | Error e) {
            tearDown(); // JMH skips the teardown when the setup fails: the redis-server must not outlive it
            throw e;
        }
    }

    private void start() throws Exception {
        String binary = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(p -> Path.of(p, "redis-server")).filter(Files::isExecutable).map(Path::toString).findFirst()
                .orElseThrow(() -> new IllegalStateException("redis-server is not on the PATH"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("bench-redis");
        redisServer = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save",
                "", "--appendonly", "no", "--dir", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile()).start();
        RedisConfig rc = new RedisConfig("redis://127.0.0.1:" + port + "/0", List.of(), Duration.ofSeconds(2),
                Duration.ofSeconds(5), "gw:", RedisConfig.Readiness.DEGRADED);
        redis = RedisService.start(rc, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!redis.health().up()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not come up: "
                        + Files.readString(dir.resolve("log")));
            }
            Thread.onSpinWait();
        }
        List<CompletableFuture<String>> writes = new ArrayList<>();
        for (int n = 0; n < apps; n++) {
            App a = new App("app-" + n, List.of(("secret-" + n).getBytes(StandardCharsets.UTF_8)), true,
                    Set.of("orders"), Set.of(), null, "default", List.of());
            String json = AppJson.write(a);
            writes.add(redis.<String>call(c -> c.set("gw:app:" + a.key(), json)).toCompletableFuture());
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        MetadataConfig d = MetadataConfig.defaults();
        metadata = RedisMetadata.start(redis, new MetadataConfig(MetadataConfig.Source.REDIS, d.cache(), d.bloom()),
                null, Duration.ofSeconds(30));
        SplittableRandom random = new SplittableRandom(7);
        for (int n = 0; n <= MASK; n++) {
            known[n] = "app-" + random.nextInt(apps);
            unknown[n] = "forged-" + Long.toHexString(random.nextLong());
        }
        List<CompletableFuture<App>> loads = new ArrayList<>();
        for (String k : known) {
            loads.add(metadata.find(k).toCompletableFuture());
        }
        CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (int n = 0; n <= MASK; n++) {
            if (metadata.cached(known[n]) == null || metadata.find(unknown[n]).toCompletableFuture().getNow(null)
                    != null) {
                throw new IllegalStateException("setup: " + known[n] + " is not cached or " + unknown[n]
                        + " passed the Bloom filter");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (metadata != null) {
            metadata.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (redisServer != null) {
            redisServer.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A Caffeine hit: hmac-auth's first step for a known app. */
    @Benchmark
    public App cachedHit() {
        return metadata.cached(known[i++ & MASK]);
    }

    /** A key the Bloom filter rejects: answered with no Redis read. */
    @Benchmark
    public CompletionStage<App> bloomRejection() {
        return metadata.find(unknown[i++ & MASK]);
    }

    /** An unknown key as hmac-auth looks it up: a cache miss, then the Bloom filter's rejection. */
    @Benchmark
    public CompletionStage<App> unknownKeyAsHmacAuth() {
        String k = unknown[i++ & MASK];
        App a = metadata.cached(k);
        return a != null ? CompletableFuture.completedStage(a) : metadata.find(k);
    }
}
