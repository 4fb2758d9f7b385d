package dev.gateway.server.http1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.exchange.Exchange;
import dev.gateway.core.config.AccessLogConfig;
import dev.gateway.core.exchange.ExchangeLog;
import dev.gateway.core.exchange.ExchangeRecord;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.http.GatewayResponse;
import dev.gateway.core.metrics.Meters;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.route.Route;
import dev.gateway.core.route.RouteTable;
import dev.gateway.core.runtime.CurrentConfig;
import dev.gateway.core.runtime.Snapshot;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.terminal.Terminal;
import dev.gateway.core.terminal.TerminalExchange;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The I/O handler and the exchange's chain runner without sockets: an EmbeddedChannel with the request decoder and
 * the handler, routes with test filters and a terminal that answers 200 itself.
 */
class Http1ServerHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GET = "GET /x HTTP/1.1\r\nHost: h\r\nX-Request-Id: req-42\r\n\r\n";

    @TempDir
    Path dir;

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final List<ExchangeRecord> logged = new ArrayList<>();
    private final Meters meters = Meters.create(null);
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    // ----- fixtures

    /** A filter that records its name and then does what {@code action} says. */
    private GatewayFilter filter(String name, java.util.function.Function<RequestContext, CompletionStage<FilterResult>>
            action) {
        return new GatewayFilter() {
            @Override
            public CompletionStage<FilterResult> apply(RequestContext ctx) {
                events.add(name + " on " + Thread.currentThread().getName());
                return action.apply(ctx);
            }

            @Override
            public void onResponse(RequestContext ctx, HttpHeaders h) {
                h.add("x-seen-by", name);
            }
        };
    }

    private GatewayFilter proceeds(String name) {
        return filter(name, ctx -> FilterResult.proceed());
    }

    /** Answers 200 "ok" itself, recording that it was reached. */
    private final Terminal okTerminal = ex -> {
        events.add("terminal");
        ex.respond(GatewayResponse.text(HttpResponseStatus.OK, List.of(), "ok"));
        return new Terminal.Call() {
            @Override
            public boolean takesBody() {
                return true;
            }

            @Override
            public void requestContent(HttpContent piece, boolean last) {
                piece.release();
            }

            @Override
            public void cancel() {}
        };
    };

    private EmbeddedChannel start(GatewayFilter... filters) throws Exception {
        return start(false, filters);
    }

    private EmbeddedChannel start(boolean websocket, GatewayFilter... filters) throws Exception {
        return start(okTerminal, websocket, filters);
    }

    private EmbeddedChannel start(Terminal terminal, boolean websocket, GatewayFilter... filters) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, "server:\n  listen: 127.0.0.1:0\n");
        GatewayConfig config = new ConfigLoader(Map.<String, String>of()::get).load(file);
        RequestMetrics metrics = new RequestMetrics(meters.requests(), "r", new String[] {"default"});
        Route route = new Route("r", null, Set.of(), null, null, TimeUnit.SECONDS.toNanos(5), filters, false, true,
                terminal, metrics, websocket, TimeUnit.SECONDS.toNanos(60));
        RouteTable table = RouteTable.compile(List.of(new RouteTable.Entry(route, List.of(), List.of("/**"))));
        Snapshot snapshot = new Snapshot(config, table, Map.of(), Instant.now(), 30_000);
        ExchangeLog log = new ExchangeLog() {
            @Override
            public boolean isEnabled(AccessLogConfig settings) {
                return true;
            }

            @Override
            public void log(ExchangeRecord exchange) {
                logged.add(exchange);
            }
        };
        RequestMetrics unrouted = new RequestMetrics(meters.requests(), "-", new String[] {"default"});
        ProxyState state = new ProxyState(new CurrentConfig(snapshot), log, unrouted,
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE));
        channel = new EmbeddedChannel(new HttpRequestDecoder(), new Http1ServerHandler(state, snapshot));
        return channel;
    }

    private void send(String raw) {
        channel.writeInbound(channel.alloc().buffer().writeBytes(raw.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** A parsed response: status, lower-case header names, body. */
    private record Response(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** Everything written to the client so far, parsed as one response (null if nothing was written). */
    private Response response() {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        if (sb.length() == 0) {
            return null;
        }
        String raw = sb.toString();
        int end = raw.indexOf("\r\n\r\n");
        String[] lines = raw.substring(0, end).split("\r\n");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, raw.substring(end + 4));
    }

    private List<String> names() {
        return events.stream().map(e -> e.split(" ")[0]).toList();
    }

    // ----- the client flow

    /** Opens a call that takes the connection's flow, listens to it and pauses the request body. */
    private Terminal flowTerminal(List<ClientFlow> flows) {
        return ex -> {
            ClientFlow flow = ex.clientFlow();
            flows.add(flow);
            events.add("opened in read batch " + flow.inReadBatch());
            flow.listen(new ClientFlow.Listener() {
                @Override
                public void onDeadline() {
                    events.add("deadline");
                }

                @Override
                public void onClientReadComplete() {
                    events.add("read complete");
                }

                @Override
                public void onClientWritable() {
                    events.add("writable");
                }
            });
            flow.pauseRequestBody(true);
            return new Terminal.Call() {
                @Override
                public boolean takesBody() {
                    return true;
                }

                @Override
                public void requestContent(HttpContent piece, boolean last) {
                    piece.release();
                }

                @Override
                public void cancel() {
                    events.add("cancelled");
                }
            };
        };
    }

    @Test
    void theCallPausesTheRequestBodyAndHearsTheReadBatchEndThroughTheConnectionsFlow() throws Exception {
        List<ClientFlow> flows = new ArrayList<>();
        start(flowTerminal(flows), false);
        send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        assertThat(events).containsExactly("opened in read batch true", "read complete");
        assertThat(channel.config().isAutoRead()).isFalse();
        ClientFlow flow = flows.get(0);
        assertThat(flow.inReadBatch()).isFalse();
        assertThat(flow.isWritable()).isTrue();
        flow.pauseRequestBody(false);
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void aDeadlineGivenToTheFlowWakesTheCallsListenerFromTheConnectionTimer() throws Exception {
        List<ClientFlow> flows = new ArrayList<>();
        start(flowTerminal(flows), false);
        send("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
        flows.get(0).wakeBy(System.nanoTime()); // due at once: the timer fires at its next tick
        assertThat(events).doesNotContain("deadline");
        channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(events).containsExactly("opened in read batch true", "read complete", "deadline");
    }

    // ----- WebSocket handshakes

    private static final String HANDSHAKE = "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    @Test
    void aHandshakeOnAWebSocketRouteStopsRequestParsingAndAnAnswerOtherThan101Closes() throws Exception {
        start(true, proceeds("a"));

        // What follows the handshake looks like a request, but is a frame's payload: it must not be parsed.
        send(HANDSHAKE + GET);

        assertThat(names()).containsExactly("a", "terminal");
        assertThat(channel.pipeline().get(HttpRequestDecoder.class)).isNull();
        Response r = response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(channel.isOpen()).isFalse();
        assertThat(logged).hasSize(1);
    }

    @Test
    void aHandshakeOnARouteWithoutWebSocketIsAPlainKeepAliveRequest() throws Exception {
        start(false, proceeds("a"));

        send(HANDSHAKE + GET);

        assertThat(names()).containsExactly("a", "terminal", "a", "terminal");
        assertThat(channel.pipeline().get(HttpRequestDecoder.class)).isNotNull();
        assertThat(channel.isOpen()).isTrue();
    }

    // ----- order and short-circuit

    @Test
    void runsTheFiltersInOrderThenTheTerminal() throws Exception {
        start(proceeds("a"), proceeds("b"), proceeds("c"));

        send(GET);

        assertThat(names()).containsExactly("a", "b", "c", "terminal");
        Response r = response();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.headers().get("x-seen-by")).containsExactly("c", "b", "a"); // onResponse in reverse order
    }

    @Test
    void aRefusalStopsTheChainAndOnlyTheFiltersBeforeItSeeTheResponse() throws Exception {
        GatewayError forbidden = new GatewayError(403, "forbidden_route", "no").withHeader("x-why", "test");
        start(proceeds("a"), filter("b", ctx -> FilterResult.refuse(forbidden)), proceeds("c"));

        send(GET);

        assertThat(names()).containsExactly("a", "b");
        Response r = response();
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().get("error").asText()).isEqualTo("forbidden_route");
        assertThat(r.json().get("request_id").asText()).isEqualTo("req-42");
        assertThat(r.header("x-request-id")).isEqualTo("req-42");
        assertThat(r.header("x-why")).isEqualTo("test");
        assertThat(r.headers().get("x-seen-by")).containsExactly("a");
    }

    // ----- asynchronous stages (which thread resumes is FilterChainTest's, on a real loop: this one runs anywhere)

    @Test
    void aStageCompletedLaterContinuesTheChainAndAnswers() throws Exception {
        CompletableFuture<FilterResult> later = new CompletableFuture<>();
        start(filter("a", ctx -> later), proceeds("b"));
        send(GET);
        assertThat(names()).containsExactly("a");
        assertThat(response()).isNull();

        later.complete(FilterResult.CONTINUE);
        channel.runPendingTasks();

        assertThat(names()).containsExactly("a", "b", "terminal");
        assertThat(response().status()).isEqualTo(200);
    }

    // ----- failures

    @Test
    void aThrowingFilterGets500WithTheRequestId() throws Exception {
        start(filter("a", ctx -> {
            throw new IllegalStateException("secret detail");
        }), proceeds("b"));

        send(GET);

        Response r = response();
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json().get("error").asText()).isEqualTo("internal_error");
        assertThat(r.json().get("request_id").asText()).isEqualTo("req-42");
        assertThat(r.body()).doesNotContain("secret detail");
        assertThat(names()).containsExactly("a");
        assertThat(logged).extracting(ExchangeRecord::status).containsExactly(500);
    }

    @Test
    void aFailedStageGetsTheSame500AsAThrow() throws Exception {
        start(filter("a", ctx -> CompletableFuture.failedStage(new IllegalStateException("boom"))));

        send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");

        Response r = response();
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.json().get("error").asText()).isEqualTo("internal_error");
        assertThat(r.header("x-request-id")).hasSize(32); // generated, and the same in the body
        assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("x-request-id"));
    }

    @Test
    void filtersPastTheirTimeoutGet503AndTheirQueuedWorkIsCancelled() throws Exception {
        CompletableFuture<FilterResult> never = new CompletableFuture<>();
        AtomicInteger cancelled = new AtomicInteger();
        start(filter("slow", ctx -> {
            ctx.onCancel(cancelled::incrementAndGet);
            return never;
        }), proceeds("b"));
        send(GET);
        assertThat(response()).isNull();

        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        Response r = response();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("error").asText()).isEqualTo("filter_timeout");
        assertThat(cancelled).hasValue(1);
        never.complete(FilterResult.CONTINUE); // too late: ignored
        channel.runPendingTasks();
        assertThat(names()).containsExactly("slow");
        assertThat(response()).isNull();
    }

    // ----- cancellation

    @Test
    void theCancellationHookFiresWhenTheClientCloses() throws Exception {
        AtomicInteger cancelled = new AtomicInteger();
        start(filter("queued", ctx -> {
            ctx.onCancel(cancelled::incrementAndGet);
            return new CompletableFuture<>();
        }));
        send(GET);
        assertThat(cancelled).hasValue(0);

        channel.close();

        assertThat(cancelled).hasValue(1);
        assertThat(logged).extracting(ExchangeRecord::status).containsExactly(Exchange.CLIENT_CLOSED);
    }

    // ----- requests refused before any route

    @Test
    void aMalformedRequestGets400WithARequestIdInTheLogAndTheMetrics() throws Exception {
        start(proceeds("a"));

        send("GET /x HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n");

        Response r = response();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("x-request-id")).hasSize(32);
        assertThat(r.json().get("request_id").asText()).isEqualTo(r.header("x-request-id"));
        assertThat(r.header("connection")).isEqualTo("close");
        assertThat(logged).hasSize(1);
        assertThat(logged.get(0).requestId()).isEqualTo(r.header("x-request-id"));
        assertThat(logged.get(0).status()).isEqualTo(400);
        assertThat(meters.requests().series("-", "GET", "4xx", "default").snapshot().count()).isEqualTo(1);
        assertThat(names()).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }
}
