package dev.gateway.server.support;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous keep-alive load for tests: {@code connections} threads, each with one connection that it never closes,
 * sending one request after another until {@link #stop()} (or a safety bound of time). Every response and every
 * failure is recorded, with the times the request was sent and its response read, so that a test can check each
 * one against what was in force at the time.
 */
public final class KeepAliveLoad implements AutoCloseable {

    /** One request: sent and answered at these System.nanoTime() instants. */
    public record Sample(int connection, long sentNanos, long answeredNanos, int status, String upstream, String body) {}

    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final long deadlineNanos;
    private volatile boolean stopped;

    private KeepAliveLoad(int port, String path, int connections, Duration maxDuration) {
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < connections; i++) {
            int id = i;
            Thread t = new Thread(() -> run(port, path, id), "keep-alive-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /** Starts the load against {@code 127.0.0.1:port}, GET {@code path}; it stops by itself after {@code maxDuration}. */
    public static KeepAliveLoad start(int port, String path, int connections, Duration maxDuration) {
        KeepAliveLoad load = new KeepAliveLoad(port, path, connections, maxDuration);
        load.threads.forEach(Thread::start);
        return load;
    }

    private void run(int port, String path, int id) {
        String request = "GET " + path + " HTTP/1.1\r\nHost: load\r\n\r\n";
        try (RawHttp c = new RawHttp(port)) {
            while (!stopped && System.nanoTime() < deadlineNanos) {
                long sent = System.nanoTime();
                RawHttp.Response r = c.send(request).read();
                long answered = System.nanoTime();
                if (!r.complete()) {
                    failures.add("connection " + id + ": incomplete response " + r.status());
                    return;
                }
                if ("close".equalsIgnoreCase(r.header("connection"))) {
                    failures.add("connection " + id + ": the gateway closed the connection after " + r.status());
                    return;
                }
                samples.add(new Sample(id, sent, answered, r.status(), r.header("x-upstream"), r.text()));
                this.answered.incrementAndGet();
            }
        } catch (IOException e) {
            failures.add("connection " + id + ": " + e);
        }
    }

    /** Responses received so far. */
    public int answered() {
        return answered.get();
    }

    /** Waits until the load has run its {@code maxDuration} (and the connections' last responses), at most 15 s. */
    public void awaitEnd() throws InterruptedException {
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    /** Stops sending and waits for the connections' last responses. */
    public void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Dropped connections, incomplete responses and I/O errors. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
