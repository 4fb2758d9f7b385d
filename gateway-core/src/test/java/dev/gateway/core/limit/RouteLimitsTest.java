package dev.gateway.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.config.LimitConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.filter.StandardAttrs;
import dev.gateway.core.http.GatewayError;
import dev.gateway.core.testing.ManualClock;
import dev.gateway.core.testing.TestRequests;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The limit engine alone: what it decides and what it hands its caller's answers. The filter has its own tests. */
class RouteLimitsTest {
    private static final CompletionStage<FilterResult> REFUSED =
            FilterResult.refuse(new GatewayError(HttpResponseStatus.TOO_MANY_REQUESTS, "refused", "refused"));

    @TempDir
    Path dir;

    private final LocalLimits store = new LocalLimits(1_000, new ManualClock());
    private final List<String> answered = new ArrayList<>();

    /** Records every answer as one line. */
    private final LimitAnswers answers = new LimitAnswers() {
        @Override
        public void admitted(RequestContext ctx, Limit tight, String policy, long q, long remaining, long reset) {
            answered.add("admitted " + tight.id() + " " + policy + " q=" + q + " r=" + remaining + " t=" + reset);
        }

        @Override
        public CompletionStage<FilterResult> refused(RequestContext ctx, Limit l, String policy, long q,
                long retryAfter) {
            answered.add("refused " + l.id() + " " + policy + " q=" + q + " retry=" + retryAfter);
            return REFUSED;
        }

        @Override
        public CompletionStage<FilterResult> unavailable(RequestContext ctx, Limit l) {
            answered.add("unavailable " + l.id());
            return REFUSED;
        }
    };

    private RouteLimits limits(String limits) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), """
                upstreams:
                  u: { targets: [http://127.0.0.1:1] }
                routes:
                  - { id: orders, paths: [/orders/**], upstream: u }
                """ + limits);
        GatewayConfig config = new ConfigLoader(k -> null).load(dir.resolve("gateway.yml"));
        List<Limit> local = new ArrayList<>();
        for (int i = 0; i < config.limits().size(); i++) {
            LimitConfig c = config.limits().get(i);
            local.add(new Limit(c, i, store.state(c), null));
        }
        local.sort(Limit.ORDER);
        return new RouteLimits(local.toArray(new Limit[0]), new Limit[0], store, null);
    }

    private static RequestContext request() {
        return TestRequests.context("orders", "GET", "/orders/1", "HTTP/1.1", new DefaultHttpHeaders());
    }

    @Test
    void aRefusalIsAnsweredWithTheLimitItsPolicyAndRetryAfter() throws Exception {
        RouteLimits route = limits("limits: [{id: rps, routes: [orders], rate: 2/s, burst: 2}]\n");
        assertThat((Object) route.apply(request(), answers)).isSameAs(FilterResult.PROCEED);
        assertThat((Object) route.apply(request(), answers)).isSameAs(FilterResult.PROCEED);
        RequestContext refused = request();
        assertThat((Object) route.apply(refused, answers)).isSameAs(REFUSED);
        assertThat(answered).containsExactly("admitted rps \"rps\";q=2;w=1 q=2 r=1 t=1",
                "admitted rps \"rps\";q=2;w=1 q=2 r=0 t=1", "refused rps \"rps\";q=2;w=1 q=2 retry=1");
        assertThat(refused.get(StandardAttrs.LIMIT)).isEqualTo("rps");
    }

    @Test
    void theTightestLimitIsReportedWithTheAdmission() throws Exception {
        RouteLimits route = limits("""
                limits:
                  - {id: daily, routes: [orders], quota: 5/day}
                  - {id: rps, routes: [orders], rate: 2/s, burst: 2}
                """);
        route.apply(request(), answers);
        route.apply(request(), answers);
        assertThat(answered).hasSize(2);
        assertThat(answered.get(0)).as("1 of 2 tokens left is tighter than 4 of 5 requests").startsWith("admitted rps ");
        assertThat(answered.get(1)).as("none of 2 left").startsWith("admitted rps ").contains(" r=0 ");
    }

    @Test
    void aLaterRefusalGivesBackWhatEarlierLimitsTook() throws Exception {
        String both = """
                limits:
                  - {id: daily, routes: [orders], quota: 1/day}
                  - {id: rps, routes: [orders], rate: 1/s, burst: 3}
                """;
        RouteLimits route = limits(both);
        assertThat((Object) route.apply(request(), answers)).isSameAs(FilterResult.PROCEED);
        assertThat((Object) route.apply(request(), answers)).isSameAs(REFUSED);
        assertThat((Object) route.apply(request(), answers)).isSameAs(REFUSED);
        assertThat(answered.get(1)).startsWith("refused daily ");
        answered.clear();
        // The same bucket (same limit and definition) alone: only the admitted request's token is gone.
        RouteLimits rateOnly = limits(both.replace("quota: 1/day", "quota: 1/day, methods: [POST]"));
        rateOnly.apply(request(), answers);
        assertThat(answered).containsExactly("admitted rps \"rps\";q=3;w=3 q=3 r=1 t=2");
    }
}
