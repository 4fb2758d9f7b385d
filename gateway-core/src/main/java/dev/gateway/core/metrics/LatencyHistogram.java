package dev.gateway.core.metrics;

import io.netty.util.concurrent.FastThreadLocal;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One latency series with fixed bucket bounds, recorded without locks and without atomic read-modify-write
 * instructions: every thread that records (in practice, each event loop) gets its own cell, written only by that
 * thread with ordered stores, and {@link #snapshot()} sums the cells.
 *
 * <p>This replaces Micrometer's {@code Timer} on the request path. Besides its compare-and-set loops, the timer's
 * time-windowed maximum rotates only after a quiet spell, and its bucket search takes branches by value: when
 * traffic resumed after a pause, the JIT found branches it had compiled as never taken, threw the request path's
 * hottest compiled methods back to the interpreter and recompiled them under load (measured as latency spikes at
 * the start of each load run). Here the bucket scan is one loop ending on a sentinel bound: a value in a bucket
 * not seen before takes no branch the loop has not already taken.
 */
public final class LatencyHistogram {
    private final HistogramFamily family;
    private final String[] labelValues;
    private final Queue<Cell> cells = new ConcurrentLinkedQueue<>();
    private final FastThreadLocal<Cell> cell = new FastThreadLocal<>() {
        @Override
        protected Cell initialValue() {
            Cell c = new Cell(family.bucketCount());
            cells.add(c);
            return c;
        }
    };

    LatencyHistogram(HistogramFamily family, String[] labelValues) {
        this.family = family;
        this.labelValues = labelValues;
    }

    public HistogramFamily family() {
        return family;
    }

    /** The label values, in the order of {@link HistogramFamily#labelNames()}. */
    public String[] labelValues() {
        return labelValues.clone();
    }

    /** Records one observation; a negative duration counts as zero. */
    public void record(long nanos) {
        cell.get().record(family.scanBounds(), Math.max(nanos, 0));
    }

    /** Counts per bucket and the sum, over every thread that recorded. */
    public Snapshot snapshot() {
        long[] counts = new long[family.bucketCount()];
        long sum = 0;
        for (Cell c : cells) {
            sum += c.values.get(0);
            for (int i = 0; i < counts.length; i++) {
                counts[i] += c.values.get(i + 1);
            }
        }
        long total = 0;
        for (long n : counts) {
            total += n;
        }
        return new Snapshot(counts, total, sum);
    }

    /**
     * @param bucketCounts observations per bucket (not cumulative); the last bucket holds those above every bound
     * @param count the total, always the sum of {@code bucketCounts}
     * @param sumNanos the sum of the observations
     */
    public record Snapshot(long[] bucketCounts, long count, long sumNanos) {}

    /** One thread's counts: index 0 the sum in nanoseconds, then one count per bucket. Single writer. */
    private static final class Cell {
        final AtomicLongArray values;

        Cell(int buckets) {
            values = new AtomicLongArray(buckets + 1);
        }

        void record(long[] bounds, long nanos) {
            int i = 0;
            while (nanos > bounds[i]) { // the last bound is Long.MAX_VALUE
                i++;
            }
            // Only this thread writes the cell: plain reads, ordered (release) writes, no lock prefix.
            values.lazySet(0, values.getPlain(0) + nanos);
            values.lazySet(i + 1, values.getPlain(i + 1) + 1);
        }
    }
}
