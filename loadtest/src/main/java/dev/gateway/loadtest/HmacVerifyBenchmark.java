package dev.gateway.loadtest;

import dev.gateway.core.auth.HmacAlgorithm;
import dev.gateway.core.auth.HmacCredentials;
import dev.gateway.core.auth.HmacVerifier;
import dev.gateway.core.auth.SigningString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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
 * The per-request work of HMAC auth: parse the Authorization header, build the signing string, verify against the
 * app's secrets (one, or two during a rotation).
 *
 * <p>Run: {@code mvn -q -B -DskipTests package && java -jar loadtest/target/benchmarks.jar HmacVerify -prof gc}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HmacVerifyBenchmark {
    @Param({"hmac-sha256", "hmac-sha512"})
    String algorithm;

    @Param({"1", "2"})
    int secrets;

    String authorization;
    Map<String, String> headers;
    List<byte[]> keys;

    @Setup
    public void setup() {
        headers = Map.of("x-date", "Mon, 23 Nov 2026 10:00:00 GMT");
        HmacAlgorithm alg = HmacAlgorithm.fromWire(algorithm);
        String signing = SigningString.build(List.of("x-date", "request-line"), "GET", "/orders/42?expand=lines",
                "HTTP/1.1", headers::get);
        byte[] current = "bench-secret".getBytes(StandardCharsets.UTF_8);
        byte[] previous = "previous-secret".getBytes(StandardCharsets.UTF_8);
        // During a rotation the matching secret is the second one tried: the worst case.
        keys = secrets == 1 ? List.of(current) : List.of(previous, current);
        authorization = "hmac username=\"bench-app\", algorithm=\"" + algorithm
                + "\", headers=\"x-date request-line\", signature=\"" + HmacVerifier.sign(alg, current, signing) + "\"";
    }

    @Benchmark
    public boolean parseBuildVerify() {
        HmacCredentials c = HmacCredentials.parse(authorization).credentials();
        String signing = SigningString.build(c.headers(), "GET", "/orders/42?expand=lines", "HTTP/1.1",
                headers::get);
        return HmacVerifier.verify(c.algorithm(), keys, signing, c.signature());
    }
}
