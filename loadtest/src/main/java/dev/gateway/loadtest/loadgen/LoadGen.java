package dev.gateway.loadtest.loadgen;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.upstream.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

/**
 * The open-loop load generator: {@code java -jar loadtest/target/loadgen.jar --url URL --rate N --duration 10s
 * --connections 64 --out PREFIX} (all options: {@link LoadGenOptions#USAGE}; semantics: {@link Worker} and
 * loadtest/README.md, "loadgen"). Writes {@code PREFIX.jsonl}, one summary line, and {@code PREFIX.hlog}, the
 * latency histograms of each second (HdrHistogram interval log, values in microseconds).
 *
 * <p>Exit status: 0 when the run completed (errors are data, in the summary), 2 for a bad command line, 3 when
 * the run stopped early because the backlog overflowed, 1 when the output could not be written.
 */
public final class LoadGen {
    private LoadGen() {}

    /** Significant digits of every histogram; values are microseconds from 1 to {@link Worker#HIGHEST_MICROS}. */
    static final int DIGITS = 3;

    public static void main(String[] args) {
        // Netty would otherwise look for an SLF4J provider (there is none in the jar) and warn about it.
        InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
        LoadGenOptions options;
        try {
            options = LoadGenOptions.parse(args);
        } catch (UsageException e) {
            if (e.getMessage().equals("help")) {
                System.out.print(LoadGenOptions.USAGE);
                System.exit(0);
            }
            System.err.println("loadgen: " + e.getMessage());
            System.err.print(LoadGenOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            Map<String, Object> summary = run(options);
            System.out.println(new ObjectMapper().writeValueAsString(summary));
            System.exit(Boolean.TRUE.equals(summary.get("stopped_early")) ? 3 : 0);
        } catch (IOException e) {
            System.err.println("loadgen: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    /** Runs the load, writes {@code PREFIX.jsonl} and {@code PREFIX.hlog}, and returns the summary written. */
    static Map<String, Object> run(LoadGenOptions o) throws IOException, InterruptedException {
        Path jsonl = Path.of(o.out() + ".jsonl");
        Path hlog = Path.of(o.out() + ".hlog");
        OutputStream hlogOut;
        try {
            hlogOut = Files.newOutputStream(hlog);
        } catch (IOException e) {
            throw new IOException("cannot write " + hlog + ": " + e, e);
        }
        Transport transport = Transport.best();
        MultiThreadIoEventLoopGroup group = transport.newGroup(o.threads(), "loadgen");
        try (hlogOut) {
            String runId = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
            List<Worker> workers = new ArrayList<>();
            List<Recorder> recorders = new ArrayList<>();
            AtomicBoolean overflow = new AtomicBoolean();
            int k = 0;
            for (EventExecutor executor : group) {
                EventLoop loop = (EventLoop) executor;
                Bootstrap bootstrap = new Bootstrap().group(loop).channel(transport.socketChannel())
                        .option(ChannelOption.TCP_NODELAY, true)
                        .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) o.timeout().toMillis());
                int share = o.connections() / o.threads() + (k < o.connections() % o.threads() ? 1 : 0);
                Recorder recorder = new Recorder(1, Worker.HIGHEST_MICROS, DIGITS);
                recorders.add(recorder);
                workers.add(new Worker(k, o.threads(), loop, bootstrap, o, share, runId, recorder,
                        () -> stopAll(workers, overflow)));
                k++;
            }
            workers.forEach(Worker::start);
            await(CompletableFuture.allOf(workers.stream().map(w -> w.ready).toArray(CompletableFuture[]::new)),
                    o.timeout().toMillis() + 10_000, "connections did not settle");

            long startNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
            long startWall = System.currentTimeMillis() + 20;
            workers.forEach(w -> w.begin(startNanos));
            CompletableFuture<Void> allDone =
                    CompletableFuture.allOf(workers.stream().map(w -> w.done).toArray(CompletableFuture[]::new));
            AtomicLong cpu = new AtomicLong();
            Histogram total = logIntervals(o, hlogOut, recorders, allDone, startWall + o.warmup().toMillis(), cpu);
            Map<String, Object> summary = summary(o, transport.name(), workers, total, startWall, hlog);
            long requests = (long) summary.get("requests");
            summary.put("generator_cpu_us_per_req", requests == 0 ? null : round(cpu.get() / 1e3 / requests, 2));
            Files.writeString(jsonl, new ObjectMapper().writeValueAsString(summary) + "\n", StandardCharsets.UTF_8);
            return summary;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private static void stopAll(List<Worker> workers, AtomicBoolean overflow) {
        if (overflow.compareAndSet(false, true)) {
            workers.forEach(Worker::stop);
        }
    }

    /**
     * Writes one interval histogram per second of the measured window (and of the drain after it) until every
     * worker is done; returns the sum of them all.
     */
    private static Histogram logIntervals(LoadGenOptions o, OutputStream out, List<Recorder> recorders,
            CompletableFuture<Void> allDone, long measureStartWall, AtomicLong cpu) throws IOException, InterruptedException {
        PrintStream ps = new PrintStream(out, false, StandardCharsets.UTF_8);
        HistogramLogWriter writer = new HistogramLogWriter(ps);
        writer.outputComment("loadgen " + o.commandLine());
        writer.outputComment("values are microseconds from each request's intended send time to its response");
        writer.outputLogFormatVersion();
        writer.outputStartTime(measureStartWall);
        writer.setBaseTime(measureStartWall);
        writer.outputLegend();
        Histogram total = new Histogram(1, Worker.HIGHEST_MICROS, DIGITS);
        Histogram interval = new Histogram(1, Worker.HIGHEST_MICROS, DIGITS);
        Histogram[] recycled = new Histogram[recorders.size()];
        try {
            allDone.get(Math.max(1, measureStartWall - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the warm-up is over
        } catch (ExecutionException e) {
            throw new IllegalStateException("a worker failed", e.getCause());
        }
        cpu.set(processCpuNanos());
        long from = measureStartWall;
        boolean last = false;
        while (!last) {
            long until = from + 1000;
            try {
                allDone.get(Math.max(1, until - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
                last = true;
                until = Math.max(from, System.currentTimeMillis());
            } catch (TimeoutException e) {
                // one more second
            } catch (ExecutionException e) {
                throw new IllegalStateException("a worker failed", e.getCause());
            }
            interval.reset();
            for (int i = 0; i < recorders.size(); i++) {
                recycled[i] = recorders.get(i).getIntervalHistogram(recycled[i]);
                interval.add(recycled[i]);
            }
            writer.outputIntervalHistogram((from - measureStartWall) / 1000.0, (until - measureStartWall) / 1000.0,
                    interval, 1000.0);
            from = until;
            total.add(interval);
        }
        cpu.set(processCpuNanos() - cpu.get());
        ps.flush();
        if (ps.checkError()) {
            throw new IOException("cannot write " + o.out() + ".hlog");
        }
        return total;
    }

    private static Map<String, Object> summary(LoadGenOptions o, String transport, List<Worker> workers,
            Histogram h, long startWall, Path hlog) {
        long[] errors = new long[ErrorKind.values().length];
        long[] statuses = new long[6];
        long responses = 0;
        long inWindow = 0;
        long requests = 0;
        boolean overflowed = false;
        for (Worker w : workers) {
            for (int i = 0; i < errors.length; i++) {
                errors[i] += w.errors[i];
            }
            for (int i = 0; i < statuses.length; i++) {
                statuses[i] += w.statusClasses[i];
            }
            responses += w.responses;
            inWindow += w.completedInWindow;
            requests += w.measuredRequests;
            overflowed |= w.overflowed;
        }
        double seconds = o.duration().toNanos() / 1e9;
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "summary");
        s.put("tool", "loadgen");
        s.put("mode", o.ceiling() ? "ceiling" : "open-loop");
        s.put("url", o.url().toString());
        s.put("method", o.method());
        s.put("offered_rps", o.ceiling() ? null : o.rate());
        s.put("achieved_rps", round(inWindow / seconds, 1));
        s.put("duration_s", seconds);
        s.put("warmup_s", o.warmup().toNanos() / 1e9);
        s.put("timeout_s", o.timeout().toNanos() / 1e9);
        s.put("connections", o.connections());
        s.put("threads", o.threads());
        s.put("transport", transport);
        s.put("requests", requests);
        s.put("count", h.getTotalCount());
        s.put("p50_ms", percentile(h, 50));
        s.put("p90_ms", percentile(h, 90));
        s.put("p99_ms", percentile(h, 99));
        s.put("p999_ms", percentile(h, 99.9));
        s.put("max_ms", h.getTotalCount() == 0 ? null : round(h.getMaxValue() / 1000.0, 3));
        s.put("mean_ms", h.getTotalCount() == 0 ? null : round(h.getMean() / 1000.0, 3));
        long errorTotal = 0;
        Map<String, Object> byKind = new LinkedHashMap<>();
        for (ErrorKind kind : ErrorKind.values()) {
            byKind.put(kind.key(), errors[kind.ordinal()]);
            errorTotal += errors[kind.ordinal()];
        }
        s.put("errors", errorTotal);
        s.put("errors_by_kind", byKind);
        Map<String, Object> status = new LinkedHashMap<>();
        for (int i = 1; i < statuses.length; i++) {
            status.put(i + "xx", statuses[i]);
        }
        s.put("status", status);
        s.put("stopped_early", overflowed);
        s.put("max_backlog", o.maxBacklog());
        s.put("mix", new TreeMap<>(o.mix()));
        s.put("sign", o.sign() == null ? null : "hmac:" + o.sign().key());
        s.put("body_bytes", o.body().length);
        s.put("started_at", Instant.ofEpochMilli(startWall).toString());
        s.put("hlog", hlog.getFileName().toString());
        s.put("command", o.commandLine());
        if (responses != h.getTotalCount()) {
            throw new IllegalStateException("recorded " + h.getTotalCount() + " of " + responses + " responses");
        }
        return s;
    }

    /** CPU time of this whole process (all threads), or 0 where the JVM cannot tell. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return Math.max(0, os.getProcessCpuTime());
        }
        return 0;
    }

    private static Double percentile(Histogram h, double p) {
        return h.getTotalCount() == 0 ? null : round(h.getValueAtPercentile(p) / 1000.0, 3);
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    private static void await(CompletableFuture<Void> f, long millis, String what) throws InterruptedException {
        try {
            f.get(millis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " within " + millis + " ms");
        } catch (ExecutionException e) {
            throw new IllegalStateException(what, e.getCause());
        }
    }
}
