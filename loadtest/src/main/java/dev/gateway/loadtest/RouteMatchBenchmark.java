package dev.gateway.loadtest;

import dev.gateway.core.http.PathNormalizer;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Route matching and path normalisation on tables of realistic size: {@code routes} services, each with an exact
 * health path, a parameterised resource path with a method list, and a prefix; a quarter of them on hosts.
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar loadtest/target/benchmarks.jar RouteMatch -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteMatchBenchmark {
    @Param({"10", "100", "1000"})
    int routes;

    RouteTable table;
    String[] paths;
    String[] hosts;
    String[] methods;
    int i;

    @Setup
    public void setup() {
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (int r = 0; r < routes; r++) {
            String svc = "svc" + r;
            List<String> h = r % 4 == 0 ? List.of(svc + ".example.com") : List.of();
            entries.add(new RouteTable.Entry(route(svc + "-health", Set.of()), h, List.of("/" + svc + "/health")));
            entries.add(new RouteTable.Entry(route(svc + "-item", Set.of("GET", "PUT")), h,
                    List.of("/" + svc + "/items/{id}")));
            entries.add(new RouteTable.Entry(route(svc + "-all", Set.of()), h, List.of("/" + svc + "/**")));
        }
        table = RouteTable.compile(entries);
        Random rnd = new Random(42);
        int n = 1024;
        paths = new String[n];
        hosts = new String[n];
        methods = new String[n];
        for (int k = 0; k < n; k++) {
            int r = rnd.nextInt(routes);
            String svc = "svc" + r;
            hosts[k] = r % 4 == 0 ? svc + ".example.com" : "gw.example.com";
            switch (rnd.nextInt(3)) {
                case 0 -> paths[k] = "/" + svc + "/health";
                case 1 -> paths[k] = "/" + svc + "/items/" + rnd.nextInt(100000);
                default -> paths[k] = "/" + svc + "/orders/" + rnd.nextInt(1000) + "/lines";
            }
            methods[k] = rnd.nextInt(4) == 0 ? "POST" : "GET";
        }
    }

    private static Route route(String id, Set<String> methods) {
        return Route.matchOnly(id, methods, null, null);
    }

    @Benchmark
    public Route match() {
        int k = i++ & 1023;
        return table.match(hosts[k], methods[k], paths[k]);
    }

    @Benchmark
    public String normalizeCanonicalPath() {
        return PathNormalizer.normalize(paths[i++ & 1023]);
    }

    @Benchmark
    public String normalizeDirtyPath() {
        return PathNormalizer.normalize("/a//b/./c/%7Euser/../d%2Fe");
    }
}
