package dev.gateway.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    private static final Duration MS = Duration.ofMillis(1);

    private static HistogramFamily family() {
        return new HistogramFamily("test_seconds", "test", List.of("a"), MS, Duration.ofMillis(10), Duration.ofSeconds(1));
    }

    @Test
    void bucketsAreUpperBoundInclusiveWithAnUnboundedLastOne() {
        LatencyHistogram h = family().series("x");
        h.record(0);
        h.record(1_000_000);          // exactly 1 ms: the first bucket
        h.record(1_000_001);          // just above: the second
        h.record(10_000_000);
        h.record(999_999_999);
        h.record(1_000_000_001);      // above every bound
        h.record(Long.MAX_VALUE / 4);
        h.record(-5);                 // clock went backwards: counted as zero
        LatencyHistogram.Snapshot s = h.snapshot();
        assertThat(s.bucketCounts()).containsExactly(3, 2, 1, 2);
        assertThat(s.count()).isEqualTo(8);
        assertThat(s.sumNanos()).isEqualTo(1_000_000 + 1_000_001 + 10_000_000 + 999_999_999 + 1_000_000_001
                + Long.MAX_VALUE / 4);
    }

    @Test
    void sumsTheCellsOfEveryRecordingThread() throws Exception {
        LatencyHistogram h = family().series("x");
        int threads = 8;
        int each = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        // Netty's thread factory makes FastThreadLocalThreads (the event loops' kind); the others are plain threads.
        ThreadFactory fast = new DefaultThreadFactory("histogram-test");
        for (int t = 0; t < threads; t++) {
            long value = (t + 1) * 1_000_000L;
            Thread th = (t % 2 == 0 ? fast : (ThreadFactory) Thread::new).newThread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    h.record(value);
                }
            });
            th.start();
            started.add(th);
        }
        h.record(5);
        start.countDown();
        for (Thread th : started) {
            th.join();
        }
        LatencyHistogram.Snapshot s = h.snapshot();
        assertThat(s.count()).isEqualTo(threads * (long) each + 1);
        // 1 ms (and the 5 ns) in the first bucket, 2..8 ms in the second.
        assertThat(s.bucketCounts()).containsExactly(each + 1L, 7L * each, 0, 0);
        long expectedSum = 5;
        for (int t = 1; t <= threads; t++) {
            expectedSum += t * 1_000_000L * each;
        }
        assertThat(s.sumNanos()).isEqualTo(expectedSum);
    }

    @Test
    void aSeriesIsFoundByItsLabelValues() {
        HistogramFamily f = new HistogramFamily("f_seconds", "f", List.of("a", "b"), MS);
        LatencyHistogram one = f.series("1", "2");
        assertThat(f.series("1", "2")).isSameAs(one);
        assertThat(f.series("2", "1")).isNotSameAs(one);
        assertThat(f.allSeries()).hasSize(2);
        assertThat(one.labelValues()).containsExactly("1", "2");
        assertThatThrownBy(() -> f.series("1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[a, b]");
    }

    @Test
    void boundsMustAscend() {
        assertThatThrownBy(() -> new HistogramFamily("f", "f", List.of(), MS, MS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new HistogramFamily("f", "f", List.of(), MS, Duration.ofMillis(2)).bucketCount()).isEqualTo(3);
    }

    @Test
    void requestMetricsFindTheirSeriesAndCarryOverToANewCompilation() {
        Meters meters = Meters.create(null);
        RequestMetrics first = new RequestMetrics(meters.requests(), "orders", new String[] {"default"});
        first.record(HttpMethod.GET, 200, null, 2_000_000);
        first.record(HttpMethod.valueOf("PROPFIND"), 503, null, 1);
        // A recompiled route with the same id keeps counting in the same series.
        RequestMetrics second = new RequestMetrics(meters.requests(), "orders", new String[] {"default"});
        second.record(HttpMethod.GET, 204, null, 1);
        assertThat(meters.requests().series("orders", "GET", "2xx", "default").snapshot().count()).isEqualTo(2);
        assertThat(meters.requests().series("orders", "OTHER", "5xx", "default").snapshot().count()).isEqualTo(1);
        RequestMetrics.NOOP.record(HttpMethod.GET, 200, null, 1);
        assertThat(meters.requests().allSeries()).hasSize(2);
    }

    @Test
    void upstreamMetricsRecordPerOutcome() {
        Meters meters = Meters.create(null);
        UpstreamMetrics m = new UpstreamMetrics(meters.upstream(), "orders", "http://10.0.0.1:80");
        m.record(UpstreamMetrics.Outcome.SUCCESS, 1);
        m.record(UpstreamMetrics.Outcome.SUCCESS, 1);
        m.record(UpstreamMetrics.Outcome.BAD_RESPONSE, 1);
        assertThat(meters.upstream().series("orders", "http://10.0.0.1:80", "success").snapshot().count())
                .isEqualTo(2);
        assertThat(meters.upstream().series("orders", "http://10.0.0.1:80", "bad_response").snapshot().count())
                .isEqualTo(1);
    }
}
