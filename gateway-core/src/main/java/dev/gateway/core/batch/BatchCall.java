package dev.gateway.core.batch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.gateway.core.config.BatchConfig;
import dev.gateway.core.http.ErrorResponder;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayErrors;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import dev.gateway.core.http.PathNormalizer;
import dev.gateway.core.terminal.InProcess;
import dev.gateway.core.terminal.ItemSink;
import dev.gateway.core.terminal.Terminal;
import dev.gateway.core.terminal.TerminalExchange;
import dev.gateway.core.upstream.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One batch request: collects its body, parses it ({@link BatchParser}, every refusal before any item runs), then
 * runs the items as in-process exchanges ({@link InProcess}) on the request's event loop, at most {@code concurrency}
 * at once, each as soon as the items it depends on answered 2xx. Each item's answer becomes an {@link Entry}; the
 * batch answers 200 with every entry in request order, or, with {@code Accept: application/x-ndjson}, streams one
 * line per entry as it completes (chunked, {@code X-Batch-Completed} as a trailer). Confined to the event loop.
 */
final class BatchCall implements Terminal.Call {
    private static final Logger logger = LoggerFactory.getLogger(BatchCall.class);
    static final String NDJSON = "application/x-ndjson";
    static final String X_BATCH_COMPLETED = "X-Batch-Completed";
    private static final String STREAM_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: " + NDJSON
            + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final Header JSON_TYPE = new Header("content-type", "application/json");

    enum State { WAITING, RUNNING, DONE }

    private final BatchTerminal terminal;
    private final BatchConfig config;
    private final TerminalExchange ex;
    private ByteArrayOutputStream body;
    private long bodyBytes;
    private boolean bodyComplete;
    /** Over: answered, refused or cancelled. */
    private boolean done;
    private InProcess runner;
    private Slot[] slots;
    private List<List<Slot>> dependents;
    private final ArrayDeque<Slot> ready = new ArrayDeque<>();
    private boolean failFast;
    /** No more items are dispatched: an item failed under fail-fast, or the batch timed out. */
    private boolean stopped;
    private boolean timedOut;
    private boolean streaming;
    private int inFlight;
    private int completed;
    private int succeeded;
    private boolean pumping;
    private boolean pumpAgain;
    private long acceptedNanos;
    private ScheduledFuture<?> batchTimer;
    private String host;

    BatchCall(BatchTerminal terminal, TerminalExchange ex) {
        this.terminal = terminal;
        this.config = terminal.config();
        this.ex = ex;
    }

    void start() {
        runner = ex.inProcess();
        if (runner == null) {
            refuse(GatewayErrors.NESTED_BATCH);
            return;
        }
        byte[] buffered = ex.context().body();
        if (buffered != null && ex.isRequestRead()) {
            // The route's filters buffered the body (hmac-auth checked its digest): use that copy.
            HttpContent piece;
            while ((piece = ex.pollBody()) != null) {
                piece.release();
            }
            if (buffered.length > config.maxBody()) {
                refuse(BatchErrors.BATCH_TOO_LARGE);
                return;
            }
            accept(buffered);
            return;
        }
        body = new ByteArrayOutputStream(256);
        HttpContent piece;
        while (!done && (piece = ex.pollBody()) != null) {
            add(piece);
        }
        if (!done && ex.isRequestRead()) {
            bodyRead();
        }
    }

    @Override
    public boolean takesBody() {
        return true;
    }

    @Override
    public void requestContent(HttpContent piece, boolean last) {
        if (done || bodyComplete) {
            piece.release();
            return;
        }
        add(piece);
        if (last && !done) {
            bodyRead();
        }
    }

    private void add(HttpContent piece) {
        try {
            ByteBuf c = piece.content();
            bodyBytes += c.readableBytes();
            if (bodyBytes > config.maxBody()) {
                refuse(BatchErrors.BATCH_TOO_LARGE);
                return;
            }
            body.writeBytes(ByteBufUtil.getBytes(c));
        } finally {
            piece.release();
        }
    }

    private void bodyRead() {
        bodyComplete = true;
        byte[] b = body.toByteArray();
        body = null;
        accept(b);
    }

    private void refuse(GatewayError error) {
        if (done) {
            return;
        }
        done = true;
        body = null;
        ex.fail(error);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Accepting the batch

    private void accept(byte[] bytes) {
        bodyComplete = true;
        BatchParser.Result parsed = BatchParser.parse(bytes, config);
        if (parsed.refusal() != null) {
            refuse(parsed.refusal());
            return;
        }
        List<BatchItem> items = parsed.items();
        failFast = parsed.failFast();
        int n = items.size();
        slots = new Slot[n];
        dependents = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slots[i] = new Slot(items.get(i), ex.requestId() + "." + (i + 1));
            dependents.add(null);
        }
        for (Slot s : slots) {
            s.pending = s.item.dependsOn().length;
            for (int d : s.item.dependsOn()) {
                List<Slot> l = dependents.get(d);
                if (l == null) {
                    l = new ArrayList<>(2);
                    dependents.set(d, l);
                }
                l.add(s);
            }
            if (s.pending == 0) {
                ready.add(s);
            }
        }
        host = ex.request().headers().get(HttpHeaderNames.HOST);
        String accept = ex.request().headers().get(HttpHeaderNames.ACCEPT);
        streaming = accept != null && accept.contains(NDJSON);
        acceptedNanos = System.nanoTime();
        batchTimer = ex.loop().schedule(this::batchTimedOut, config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        if (streaming) {
            ex.responseHead(ResponseHead.of(STREAM_HEAD), -1);
        }
        pump();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dispatching

    /** Starts ready items up to the concurrency; re-entrant calls (an item that ended at once) loop here instead. */
    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        try {
            do {
                pumpAgain = false;
                Slot s;
                while (!done && !stopped && inFlight < config.concurrency() && (s = ready.poll()) != null) {
                    if (s.state == State.WAITING) {
                        launch(s);
                    }
                }
            } while (pumpAgain && !done);
        } finally {
            pumping = false;
        }
        if (!done && completed == slots.length) {
            finish();
        }
    }

    private void launch(Slot s) {
        BatchItem it = s.item;
        String path = it.path().render(this::answer);
        if (path == null) {
            local(s, BatchErrors.REFERENCE_NOT_FOUND);
            return;
        }
        if (path.charAt(0) != '/' || path.startsWith("//")) {
            local(s, BatchErrors.INVALID_ITEM_PATH);
            return;
        }
        if (isAdminPath(path)) {
            local(s, BatchErrors.ADMIN_PATH);
            return;
        }
        byte[] bytes = it.binaryBody();
        if (it.body() != null) {
            String text = it.body().render(this::answer);
            if (text == null) {
                local(s, BatchErrors.REFERENCE_NOT_FOUND);
                return;
            }
            bytes = text.getBytes(StandardCharsets.UTF_8);
        }
        HttpHeaders h = new DefaultHttpHeaders();
        for (Map.Entry<String, String> e : it.headers()) {
            h.add(e.getKey(), e.getValue());
        }
        if (host != null) {
            h.set(HttpHeaderNames.HOST, host);
        }
        if (bytes != null) {
            h.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            if (it.contentType() != null) {
                h.set(HttpHeaderNames.CONTENT_TYPE, it.contentType());
            }
        }
        s.state = State.RUNNING;
        inFlight++;
        s.timer = ex.loop().schedule(() -> s.expire(BatchErrors.ITEM_TIMEOUT), it.timeoutNanos(),
                TimeUnit.NANOSECONDS);
        InProcess.Item handle = runner.start(new DefaultHttpRequest(HttpVersion.HTTP_1_1, it.method(), path, h),
                bytes == null ? null : Unpooled.wrappedBuffer(bytes), s.requestId, s);
        if (s.state == State.RUNNING) {
            s.handle = handle;
        }
    }

    /** Paths of the admin listener's API are never reachable from a batch, whatever the routes say. */
    private static boolean isAdminPath(String path) {
        int q = path.indexOf('?');
        String p = PathNormalizer.normalize(q < 0 ? path : path.substring(0, q));
        return p != null && (p.equals("/admin") || p.startsWith("/admin/"));
    }

    /** An earlier item's JSON answer, for references. */
    private JsonNode answer(int index) {
        Entry e = slots[index].entry;
        return e == null ? null : e.json();
    }

    /** The item did not run: an entry the gateway made for {@code error}. */
    private void local(Slot s, GatewayError error) {
        s.state = State.DONE;
        completed(s, Entry.of(ErrorResponder.respond(error, s.requestId)));
    }

    private void completed(Slot s, Entry e) {
        s.entry = e;
        completed++;
        boolean ok = e.isSuccess();
        if (ok) {
            succeeded++;
        }
        if (streaming) {
            writeLine(s);
        }
        if (!ok && failFast && !stopped) {
            stopped = true;
            for (Slot w : slots) {
                if (w.state == State.WAITING) {
                    local(w, BatchErrors.NOT_RUN);
                }
            }
        }
        List<Slot> ds = dependents.get(s.item.index());
        if (ds != null) {
            for (Slot d : ds) {
                if (d.state != State.WAITING) {
                    continue;
                }
                if (!ok) {
                    local(d, timedOut ? BatchErrors.BATCH_TIMEOUT : BatchErrors.DEPENDENCY_FAILED);
                } else if (--d.pending == 0) {
                    ready.add(d);
                }
            }
        }
        pump();
    }

    private void batchTimedOut() {
        batchTimer = null;
        if (done) {
            return;
        }
        logger.debug("request {}: batch ran past {} ms", ex.requestId(), config.timeout().toMillis());
        stopped = true;
        timedOut = true;
        for (Slot s : slots) {
            if (s.state == State.WAITING) {
                local(s, BatchErrors.BATCH_TIMEOUT);
            } else if (s.state == State.RUNNING) {
                s.expire(BatchErrors.BATCH_TIMEOUT);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The answer

    private void writeLine(Slot s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = BatchParser.JSON.getFactory().createGenerator(out)) {
            s.entry.write(g, s.item.id());
        } catch (IOException e) {
            throw new IllegalStateException(e); // an in-memory stream does not fail
        }
        out.write('\n');
        ByteBuf line = Unpooled.wrappedBuffer(out.toByteArray());
        try {
            ex.responseContent(line, line.readerIndex(), line.readableBytes());
        } finally {
            line.release();
        }
        ex.upstreamReadComplete();
    }

    private String completedHeader() {
        return succeeded + "/" + slots.length;
    }

    private void finish() {
        done = true;
        if (batchTimer != null) {
            batchTimer.cancel(false);
            batchTimer = null;
        }
        terminal.metrics().record(slots.length, System.nanoTime() - acceptedNanos);
        if (streaming) {
            ByteBuf trailers = Unpooled.copiedBuffer(X_BATCH_COMPLETED + ": " + completedHeader() + "\r\n",
                    StandardCharsets.ISO_8859_1);
            ex.responseEnd(trailers);
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = BatchParser.JSON.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("responses");
            for (Slot s : slots) {
                s.entry.write(g, s.item.id());
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        out.write('\n');
        ex.respond(new GatewayResponse(HttpResponseStatus.OK,
                List.of(JSON_TYPE, new Header(X_BATCH_COMPLETED, completedHeader())), out.toByteArray()));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The end of the outer request

    @Override
    public void cancel() {
        if (done) {
            return;
        }
        done = true;
        body = null;
        if (batchTimer != null) {
            batchTimer.cancel(false);
            batchTimer = null;
        }
        if (slots == null) {
            return;
        }
        for (Slot s : slots) {
            if (s.state == State.RUNNING) {
                s.state = State.DONE;
                s.cancelTimer();
                if (s.handle != null) {
                    s.handle.cancel();
                }
            }
        }
    }

    /** One item's place in the batch; collects its exchange's answer. */
    private final class Slot implements ItemSink {
        final BatchItem item;
        final String requestId;
        State state = State.WAITING;
        int pending;
        InProcess.Item handle;
        ScheduledFuture<?> timer;
        /** Why the item was expired (its time, or the batch's), for a response cut short by it. */
        GatewayError expiredWith;
        Entry entry;

        Slot(BatchItem item, String requestId) {
            this.item = item;
            this.requestId = requestId;
        }

        void expire(GatewayError error) {
            cancelTimer();
            if (state != State.RUNNING || expiredWith != null) {
                return;
            }
            expiredWith = error;
            if (handle != null) {
                handle.expire(error);
            }
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            timer = null;
            if (t != null) {
                t.cancel(false);
            }
        }

        @Override
        public long maxResponseBytes() {
            return config.maxItemResponse();
        }

        @Override
        public void itemEnded(Outcome outcome, int status, HttpHeaders headers, ByteBuf body) {
            byte[] bytes = null;
            if (body != null) {
                bytes = ByteBufUtil.getBytes(body);
                body.release();
            }
            if (state != State.RUNNING) {
                return; // cancelled with the batch
            }
            state = State.DONE;
            inFlight--;
            cancelTimer();
            handle = null;
            Entry e;
            if (outcome == Outcome.TOO_LARGE) {
                e = Entry.of(ErrorResponder.respond(BatchErrors.ITEM_RESPONSE_TOO_LARGE, requestId));
            } else if (outcome == Outcome.ABORTED) {
                e = Entry.of(ErrorResponder.respond(expiredWith != null ? expiredWith : BatchErrors.ITEM_ABORTED,
                        requestId));
            } else {
                e = Entry.of(status, headers, bytes);
            }
            completed(this, e);
        }
    }
}
