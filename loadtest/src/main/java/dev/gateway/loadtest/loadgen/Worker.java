package dev.gateway.loadtest.loadgen;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Recorder;

/**
 * One event loop's share of a run: its connections and its share of the rate. Request {@code i} of worker
 * {@code k} (of {@code n}) is intended at {@code t0 + (k + i * n) / rate}: a fixed schedule, whatever the target
 * does. A tick sends every request whose time has come on a free connection (opening a closed one if need be);
 * requests that find every connection busy wait in the backlog, which is only a range of indices, and go out as
 * responses free connections. A request's latency runs from its intended time to its response's last byte, so
 * time spent waiting for a connection counts (wrk2's answer to coordinated omission, by construction).
 *
 * <p>With {@code --ceiling} there is no schedule: every connection sends its next request as soon as its last
 * completes (closed loop), and latency runs from the actual send.
 *
 * <p>Everything but the constructor, {@link #start}, {@link #begin} and {@link #stop} (which hop onto the loop)
 * runs on the loop; the result fields are read by the main thread after {@link #done} completes.
 */
final class Worker {
    /** Below this the tick would spin; requests due within it go out together. */
    private static final long MIN_TICK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    /** Timeouts and the run's end are checked at least this often. */
    private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long HIGHEST_MICROS = TimeUnit.SECONDS.toMicros(60);

    enum Phase { CONNECTING, READY, RUNNING, DRAINING, DONE }

    private final int index;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final InetSocketAddress address;
    private final boolean head;
    private final boolean ceiling;
    private final List<RequestMaker> makers;
    private final RequestMaker[] sequence;
    private final Connection[] connections;
    private final ArrayDeque<Connection> idle;
    private final ArrayDeque<Connection> closed;
    private final Recorder recorder;
    private final Runnable onOverflow;
    private final long timeoutNanos;
    private final long warmupNanos;
    private final long durationNanos;
    private final double periodNanos;
    private final double offsetNanos;
    private final long maxBacklog;

    private Phase phase = Phase.CONNECTING;
    private int pendingConnects;
    private long t0;
    private long measureStart;
    private long measureEnd;
    private long drainDeadline;
    private long total;
    private long due;
    private long sent;
    private long made;

    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final CompletableFuture<Void> done = new CompletableFuture<>();

    // Results: written on the loop, read after done.
    final long[] errors = new long[ErrorKind.values().length];
    final long[] statusClasses = new long[6];
    long responses;
    long completedInWindow;
    long measuredRequests;
    boolean overflowed;

    Worker(int index, int workers, EventLoop loop, Bootstrap bootstrap, LoadGenOptions o, int connectionCount,
            String runId, Recorder recorder, Runnable onOverflow) {
        this.index = index;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.address = o.address();
        this.head = o.method().equals("HEAD");
        this.ceiling = o.ceiling();
        this.recorder = recorder;
        this.onOverflow = onOverflow;
        this.timeoutNanos = o.timeout().toNanos();
        this.warmupNanos = o.warmup().toNanos();
        this.durationNanos = o.duration().toNanos();
        this.periodNanos = ceiling ? 0 : 1e9 * workers / o.rate();
        this.offsetNanos = ceiling ? 0 : 1e9 * index / o.rate();
        this.maxBacklog = o.maxBacklog();
        this.makers = new ArrayList<>();
        List<RequestMaker> seq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(o.mix()).entrySet()) {
            if (e.getValue() == 0) {
                continue;
            }
            RequestMaker m = e.getKey().equals("hmac")
                    ? new HmacRequest(o, runId + "-" + index + "-")
                    : new PlainRequest(o, ByteBufAllocator.DEFAULT);
            makers.add(m);
            for (int i = 0; i < e.getValue(); i++) {
                seq.add(m);
            }
        }
        this.sequence = seq.toArray(new RequestMaker[0]);
        this.connections = new Connection[connectionCount];
        this.idle = new ArrayDeque<>(connectionCount);
        this.closed = new ArrayDeque<>(connectionCount);
        for (int i = 0; i < connectionCount; i++) {
            connections[i] = new Connection(this);
        }
    }

    /** Opens every connection; {@link #ready} completes when each has either opened or failed. */
    void start() {
        loop.execute(() -> {
            pendingConnects = connections.length;
            for (Connection c : connections) {
                c.connect(Connection.NO_REQUEST);
            }
        });
    }

    /** Starts the schedule at {@code startNanos} ({@link System#nanoTime()}), shared by all workers. */
    void begin(long startNanos) {
        loop.execute(() -> {
            t0 = startNanos;
            measureStart = t0 + warmupNanos;
            measureEnd = measureStart + durationNanos;
            drainDeadline = measureEnd + timeoutNanos;
            if (!ceiling) {
                // Requests i with offset + i * period < warmup + duration.
                total = Math.max(0, (long) Math.ceil((warmupNanos + durationNanos - offsetNanos) / periodNanos));
            }
            phase = Phase.RUNNING;
            loop.schedule(this::tick, Math.max(0, t0 - System.nanoTime()), TimeUnit.NANOSECONDS);
        });
    }

    /** Stops the schedule early (another worker's backlog overflowed); what is out still completes. */
    void stop() {
        loop.execute(() -> {
            if (phase == Phase.RUNNING) {
                dropBacklog();
                drainDeadline = Math.min(drainDeadline, System.nanoTime() + timeoutNanos);
                phase = Phase.DRAINING;
            }
        });
    }

    private void tick() {
        if (phase == Phase.DONE) {
            return;
        }
        long now = System.nanoTime();
        if (phase == Phase.RUNNING) {
            if (ceiling) {
                if (now - measureEnd >= 0) {
                    phase = Phase.DRAINING;
                } else {
                    fillClosedLoop(now);
                }
            } else {
                long n = (long) Math.floor((now - t0 - offsetNanos) / periodNanos) + 1;
                due = Math.max(due, Math.min(total, n));
                dispatch();
                if (due - sent > maxBacklog) {
                    overflowed = true;
                    dropBacklog();
                    phase = Phase.DRAINING;
                    drainDeadline = Math.min(drainDeadline, now + timeoutNanos);
                    onOverflow.run();
                } else if (due == total) {
                    phase = Phase.DRAINING;
                }
            }
        }
        for (Connection c : connections) {
            c.checkTimeout(now, timeoutNanos);
        }
        if (phase == Phase.DRAINING) {
            if (!ceiling) {
                dispatch(); // the backlog still goes out, reopening connections that closed
            }
            if (sent == due && inFlight() == 0) {
                finish();
                return;
            }
            if (now - drainDeadline >= 0) {
                dropBacklog();
                finish();
                return;
            }
        }
        long delay = MAX_TICK_NANOS;
        if (phase == Phase.RUNNING && !ceiling) {
            delay = intended(due) - now;
        } else if (phase == Phase.RUNNING) {
            delay = measureEnd - now;
        }
        loop.schedule(this::tick, Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, delay)), TimeUnit.NANOSECONDS);
    }

    private long intended(long i) {
        return t0 + (long) (offsetNanos + i * periodNanos);
    }

    /** Hands due requests to free connections, or to closed ones, which open first. */
    private void dispatch() {
        while (sent < due) {
            Connection c = idle.poll();
            if (c != null) {
                c.send(intended(sent++));
                continue;
            }
            c = closed.poll();
            if (c == null) {
                return;
            }
            c.connect(intended(sent++));
        }
    }

    private void fillClosedLoop(long now) {
        Connection c;
        while ((c = idle.poll()) != null) {
            c.send(now);
        }
        while ((c = closed.poll()) != null) {
            c.connect(now);
        }
    }

    /** The due requests that were never sent: counted as backlog errors (when measured), then forgotten. */
    private void dropBacklog() {
        for (long i = sent; i < due; i++) {
            long t = intended(i);
            if (measured(t)) {
                measuredRequests++;
                errors[ErrorKind.BACKLOG.ordinal()]++;
            }
        }
        due = sent;
        total = sent;
    }

    private int inFlight() {
        int n = 0;
        for (Connection c : connections) {
            if (c.state() == Connection.State.BUSY || c.state() == Connection.State.CONNECTING) {
                n++;
            }
        }
        return n;
    }

    private boolean measured(long intended) {
        return intended != Connection.NO_REQUEST && intended - measureStart >= 0 && intended - measureEnd < 0;
    }

    private void finish() {
        phase = Phase.DONE;
        for (Connection c : connections) {
            c.close();
        }
        for (RequestMaker m : makers) {
            m.release();
        }
        done.complete(null);
    }

    // ---- called by connections, on the loop ----

    Bootstrap bootstrap() {
        return bootstrap;
    }

    InetSocketAddress address() {
        return address;
    }

    boolean isHead() {
        return head;
    }

    ByteBuf nextRequest(ByteBufAllocator alloc) {
        RequestMaker m = sequence[(int) (made++ % sequence.length)];
        return m.next(alloc, System.currentTimeMillis());
    }

    /** A connection opened without a request, or finished one with keep-alive: it takes the next due request. */
    void idle(Connection c) {
        if (phase == Phase.CONNECTING) {
            idle.add(c);
            settleConnect();
            return;
        }
        if (phase == Phase.DONE) {
            c.close();
            return;
        }
        if (ceiling && phase == Phase.RUNNING) {
            c.send(System.nanoTime());
        } else if (sent < due) {
            c.send(intended(sent++));
        } else {
            idle.add(c);
        }
    }

    void connectFailed(Connection c, long intended) {
        closed.add(c);
        if (intended == Connection.NO_REQUEST) {
            if (phase == Phase.CONNECTING) {
                settleConnect();
            }
            return;
        }
        count(intended, ErrorKind.CONNECT);
        // The next due request tries again at the next tick, not here: a connect that fails at once would
        // otherwise recurse once per request in the backlog.
    }

    void closedWhileIdle(Connection c) {
        idle.remove(c);
        closed.add(c);
    }

    void completed(Connection c, long intended, int status) {
        long now = System.nanoTime();
        if (measured(intended)) {
            measuredRequests++;
            responses++;
            long micros = Math.max(1, Math.min(HIGHEST_MICROS, (now - intended) / 1000));
            recorder.recordValue(micros);
            statusClasses[Math.min(5, status / 100)]++;
            if (status >= 500) {
                errors[ErrorKind.STATUS_5XX.ordinal()]++;
            } else if (status >= 400) {
                errors[ErrorKind.STATUS_4XX.ordinal()]++;
            }
            if (now - measureStart >= 0 && now - measureEnd < 0) {
                completedInWindow++;
            }
        }
        if (c.state() == Connection.State.IDLE) {
            idle(c);
        } else {
            closed.add(c); // the server closed it; the next request reopens it
            if (phase != Phase.DONE) {
                dispatch();
            }
        }
    }

    void failed(Connection c, long intended, ErrorKind kind) {
        count(intended, kind);
        if (phase != Phase.DONE) {
            closed.add(c); // reopened by a later request, at the next tick
        }
    }

    private void count(long intended, ErrorKind kind) {
        if (measured(intended)) {
            measuredRequests++;
            errors[kind.ordinal()]++;
        }
    }

    private void settleConnect() {
        if (--pendingConnects == 0) {
            phase = Phase.READY;
            ready.complete(null);
        }
    }

    int index() {
        return index;
    }
}
