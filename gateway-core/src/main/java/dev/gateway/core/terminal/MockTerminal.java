package dev.gateway.core.terminal;

import dev.gateway.core.config.App;
import dev.gateway.core.config.BodyTemplate;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.http.Header;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Answers a route's requests itself ({@code mock:} instead of {@code upstream:}) once its filters let them through:
 * a fixed status, headers and body (rendered per request only when it has substitutions), after an optional delay
 * scheduled on the request's event loop, never a sleeping thread. The request body is read and dropped; the answer
 * goes out once the request is complete, so the connection stays usable. Immutable; one per route.
 */
public final class MockTerminal implements Terminal {
    /** What the access log shows in its upstream field for a mocked request. */
    public static final String LOG_NAME = "mock";

    private final HttpResponseStatus status;
    private final List<Header> headers;
    private final BodyTemplate body;
    private final long delayNanos;
    /** The response when the body has no substitutions: built once. */
    private final GatewayResponse fixed;

    public MockTerminal(int status, List<Header> headers, BodyTemplate body, long delayNanos) {
        this.status = HttpResponseStatus.valueOf(status);
        this.headers = List.copyOf(headers);
        this.body = body;
        this.delayNanos = delayNanos;
        this.fixed = body.constant() == null ? null : new GatewayResponse(this.status, this.headers, body.constant());
    }

    @Override
    public Call open(TerminalExchange exchange) {
        MockCall call = new MockCall(exchange);
        call.start();
        return call;
    }

    @Override
    public String logName() {
        return LOG_NAME;
    }

    /** The body for one request; on the event loop, allocating only the output. */
    public static byte[] render(BodyTemplate body, RequestContext ctx) {
        if (body.constant() != null) {
            return body.constant();
        }
        List<BodyTemplate.Part> parts = body.parts();
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.literalBytes() + 64);
        QueryStringDecoder query = null;
        for (int i = 0; i < parts.size(); i++) {
            BodyTemplate.Part p = parts.get(i);
            out.writeBytes(p.literal());
            if (p.kind() == null) {
                continue;
            }
            String v;
            switch (p.kind()) {
                case REQUEST_ID -> v = ctx.requestId();
                case PATH -> v = ctx.path();
                case APP -> {
                    App app = ctx.get(StandardAttrs.APP);
                    v = app == null ? null : app.key();
                }
                case HEADER -> v = ctx.headers().get(p.name());
                default -> {
                    if (query == null && ctx.query() != null) {
                        query = new QueryStringDecoder(ctx.query(), false);
                    }
                    List<String> values = query == null ? null : query.parameters().get(p.name());
                    v = values == null || values.isEmpty() ? null : values.get(0);
                }
            }
            if (v != null) {
                out.writeBytes((body.isJson() ? BodyTemplate.jsonEscape(v) : v).getBytes(StandardCharsets.UTF_8));
            }
        }
        return out.toByteArray();
    }

    @Override
    public String toString() {
        return "mock " + status.code();
    }

    private final class MockCall implements Call {
        private final TerminalExchange ex;
        private ScheduledFuture<?> timer;
        private boolean due;
        private boolean done;

        MockCall(TerminalExchange ex) {
            this.ex = ex;
        }

        void start() {
            HttpContent piece;
            while ((piece = ex.pollBody()) != null) {
                piece.release();
            }
            ex.sendContinueIfExpected();
            if (delayNanos > 0) {
                timer = ex.loop().schedule(this::elapsed, delayNanos, TimeUnit.NANOSECONDS);
            } else {
                elapsed();
            }
        }

        private void elapsed() {
            timer = null;
            due = true;
            if (ex.isRequestRead()) {
                answer();
            }
        }

        private void answer() {
            if (done) {
                return;
            }
            done = true;
            ex.respond(fixed != null ? fixed : new GatewayResponse(status, headers, render(body, ex.context())));
        }

        @Override
        public boolean takesBody() {
            return true;
        }

        @Override
        public void requestContent(HttpContent piece, boolean last) {
            piece.release();
            if (last && due) {
                answer();
            }
        }

        @Override
        public void cancel() {
            done = true;
            ScheduledFuture<?> t = timer;
            timer = null;
            if (t != null) {
                t.cancel(false);
            }
        }
    }
}
