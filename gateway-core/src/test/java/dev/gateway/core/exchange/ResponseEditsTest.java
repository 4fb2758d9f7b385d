package dev.gateway.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.GatewayFilter;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.http.Header;
import dev.gateway.core.metrics.RequestMetrics;
import dev.gateway.core.route.Route;
import dev.gateway.core.testing.TestRequests;
import dev.gateway.core.upstream.ResponseHead;
import dev.gateway.core.upstream.TestHeads;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/** Response headers a request's context sets or adds, on the fast path (lines) and on the object path. */
class ResponseEditsTest {
    static final String UPSTREAM = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-RateLimit-Remaining: 99\r\n"
            + "Vary: Accept-Encoding\r\nx-ratelimit-remaining: 98\r\nContent-Length: 2\r\n\r\n";

    static RequestContext context() {
        return TestRequests.context("r", "GET", "/x", "HTTP/1.1", new DefaultHttpHeaders());
    }

    @Test
    void withoutEditsTheHeadIsForwardedAsItCame() {
        ResponseHead head = TestHeads.parse(UPSTREAM);
        assertThat(ResponseEdits.asLines(context(), head)).isNull();
        assertThat(ResponseEdits.asLines(null, head)).isNull();
        assertThat(TestHeads.forwardedLines(head)).isEqualTo("Content-Type: text/plain\r\n"
                + "X-RateLimit-Remaining: 99\r\nVary: Accept-Encoding\r\nx-ratelimit-remaining: 98\r\n"
                + "Content-Length: 2\r\n");
    }

    @Test
    void aSetHeaderDropsTheUpstreamsLinesOfThatNameAndAnAddedOneKeepsThem() {
        RequestContext ctx = context();
        ctx.setResponseHeader("X-RateLimit-Remaining", "5");
        ctx.setResponseHeader("x-ratelimit-remaining", "4"); // the later set wins
        ctx.addResponseHeader(new Header("vary", "Origin"));
        ResponseHead head = TestHeads.parse(UPSTREAM);

        List<Header> lines = ResponseEdits.asLines(ctx, head);

        assertThat(lines).containsExactly(new Header("x-ratelimit-remaining", "4"), new Header("vary", "Origin"));
        assertThat(TestHeads.forwardedLines(head)).isEqualTo("Content-Type: text/plain\r\nVary: Accept-Encoding\r\n"
                + "Content-Length: 2\r\n");
    }

    @Test
    void onTheObjectPathSetReplacesAndAddAppends() {
        RequestContext ctx = context();
        ctx.setResponseHeader("X-RateLimit-Remaining", "5");
        ctx.addResponseHeader(new Header("vary", "Origin"));
        HttpHeaders h = TestHeads.parse(UPSTREAM).forwardedHeaders();

        ResponseEdits.apply(ctx, null, 0, h);

        assertThat(h.getAll("x-ratelimit-remaining")).containsExactly("5");
        assertThat(h.getAll("vary")).containsExactly("Accept-Encoding", "Origin");
    }

    /** A filter that edits responses only when asked to. */
    record Editor(boolean edits) implements GatewayFilter {
        @Override
        public CompletionStage<FilterResult> apply(RequestContext ctx) {
            return FilterResult.proceed();
        }

        @Override
        public void onResponse(RequestContext ctx, HttpHeaders responseHeaders) {
            responseHeaders.set("x-edited", "yes");
        }

        @Override
        public boolean editsResponse(RequestContext ctx) {
            return edits;
        }
    }

    /** A filter without an onResponse hook (its editsResponse keeps the default, true). */
    record Plain() implements GatewayFilter {
        @Override
        public CompletionStage<FilterResult> apply(RequestContext ctx) {
            return FilterResult.proceed();
        }
    }

    static Route route(GatewayFilter... filters) {
        return new Route("r", null, Set.of(), null, null, 0, filters, false, true, null, RequestMetrics.NOOP);
    }

    @Test
    void onlyFiltersWithAnOnResponseHookDecideWhetherTheHeadBecomesAnObject() {
        RequestContext ctx = context();
        // CORS without an Origin beside hmac-auth: the plain filter's default answer must not force the object path.
        assertThat(ResponseEdits.needed(ctx, route(new Editor(false), new Plain()), 2)).isFalse();
        assertThat(ResponseEdits.needed(ctx, route(new Plain(), new Editor(true)), 2)).isTrue();
        assertThat(ResponseEdits.needed(ctx, route(new Plain(), new Editor(true)), 1)).as("the editor did not run")
                .isFalse();
        assertThat(ResponseEdits.needed(ctx, route(new Plain()), 1)).isFalse();
        assertThat(ResponseEdits.needed(null, route(new Editor(true)), 1)).isFalse();
    }

    @Test
    void theGatewaysOwnHeadersCannotBeSetOrAdded() {
        RequestContext ctx = context();
        for (String name : List.of("Content-Length", "transfer-encoding", "Connection", "X-Request-Id")) {
            assertThatThrownBy(() -> ctx.setResponseHeader(name, "1")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ctx.addResponseHeader(new Header(name, "1")))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(ctx.responseHeadersSet()).isNull();
        assertThat(ctx.responseHeadersAdded()).isNull();
    }
}
