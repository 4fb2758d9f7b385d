package dev.gateway.server.support;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steady, bounded keep-alive load that survives faults: {@code connections} threads, each sending one GET after
 * another on its connection, and opening a new connection when the gateway closed the old one (after a truncated
 * response, say). Every request is recorded with its outcome and times, so that a test can explain each failure by
 * what was going on when it happened. Unlike {@link KeepAliveLoad}, a failure does not end a connection's thread.
 */
public final class ReconnectingLoad implements AutoCloseable {
    /** Outcome of a request that got no complete response. */
    public static final int INCOMPLETE = -1;
    public static final int IO_ERROR = -2;

    /**
     * One request: sent and answered (or failed) at these System.nanoTime() instants; {@code status} is the response
     * status, or {@link #INCOMPLETE} / {@link #IO_ERROR}.
     */
    public record Sample(int connection, long sentNanos, long answeredNanos, int status, String upstream,
            String body) {
        public boolean isError() {
            return status < 200 || status >= 500;
        }

        public long millis() {
            return (answeredNanos - sentNanos) / 1_000_000;
        }
    }

    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final long deadlineNanos;
    private volatile boolean stopped;

    private ReconnectingLoad(int port, String path, int connections, Duration maxDuration) {
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < connections; i++) {
            int id = i;
            Thread t = new Thread(() -> run(port, path, id), "reconnecting-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /** Starts the load against {@code 127.0.0.1:port}; it stops by itself after {@code maxDuration}. */
    public static ReconnectingLoad start(int port, String path, int connections, Duration maxDuration) {
        ReconnectingLoad load = new ReconnectingLoad(port, path, connections, maxDuration);
        load.threads.forEach(Thread::start);
        return load;
    }

    private void run(int port, String path, int id) {
        String request = "GET " + path + " HTTP/1.1\r\nHost: load\r\n\r\n";
        while (!stopped && System.nanoTime() < deadlineNanos) {
            try (RawHttp c = new RawHttp(port).timeout(10_000)) {
                while (!stopped && System.nanoTime() < deadlineNanos) {
                    long sent = System.nanoTime();
                    RawHttp.Response r;
                    try {
                        r = c.send(request).read();
                    } catch (IOException e) {
                        samples.add(new Sample(id, sent, System.nanoTime(), IO_ERROR, null, e.toString()));
                        break;
                    }
                    long done = System.nanoTime();
                    answered.incrementAndGet();
                    if (!r.complete()) {
                        samples.add(new Sample(id, sent, done, INCOMPLETE, r.header("x-upstream"), null));
                        break;
                    }
                    samples.add(new Sample(id, sent, done, r.status(), r.header("x-upstream"), r.text()));
                    if ("close".equalsIgnoreCase(r.header("connection"))) {
                        break;
                    }
                }
            } catch (IOException e) {
                samples.add(new Sample(id, System.nanoTime(), System.nanoTime(), IO_ERROR, null, e.toString()));
                Await.pause(TimeUnit.MILLISECONDS.toNanos(10)); // the gateway refused a connection: don't spin
            }
        }
    }

    public int answered() {
        return answered.get();
    }

    /** Stops sending and waits for the connections' last responses (at most 15 s each). */
    public void stop() throws InterruptedException {
        stopped = true;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
