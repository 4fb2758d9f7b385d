package dev.gateway.core.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.testing.TestRequests;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestContextAttrsTest {
    private static final App ALICE = new App("alice", List.of(new byte[] {1}), true, Set.of(), Set.of(), null, null,
            List.of());

    private static RequestContext request() {
        return TestRequests.context("r", "GET", "/x", "HTTP/1.1", new DefaultHttpHeaders());
    }

    @Test
    void standardKeysStartUnsetAndKeepWhatWasSet() {
        RequestContext ctx = request();
        assertThat(ctx.get(StandardAttrs.APP)).isNull();
        assertThat(ctx.get(StandardAttrs.VARIANT)).isNull();
        assertThat(ctx.get(StandardAttrs.UPSTREAM_OVERRIDE)).isNull();
        assertThat(ctx.get(StandardAttrs.LIMIT)).isNull();
        ctx.set(StandardAttrs.APP, ALICE);
        ctx.set(StandardAttrs.VARIANT, "canary");
        ctx.set(StandardAttrs.LIMIT, "orders-rps");
        ctx.set(StandardAttrs.BATCH_ITEM, Boolean.TRUE);
        assertThat(ctx.get(StandardAttrs.APP)).isSameAs(ALICE);
        assertThat(ctx.get(StandardAttrs.VARIANT)).isEqualTo("canary");
        assertThat(ctx.get(StandardAttrs.UPSTREAM_OVERRIDE)).isNull();
        assertThat(ctx.get(StandardAttrs.LIMIT)).isEqualTo("orders-rps");
        assertThat(ctx.get(StandardAttrs.BATCH_ITEM)).isTrue();
        ctx.set(StandardAttrs.VARIANT, null);
        assertThat(ctx.get(StandardAttrs.VARIANT)).isNull();
    }

    @Test
    void keysMadeLaterKeepTheirValuesApart() {
        List<AttrKey<Integer>> keys = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            keys.add(AttrKey.of("k" + i));
        }
        RequestContext ctx = request();
        ctx.set(StandardAttrs.APP, ALICE);
        for (int i = 0; i < keys.size(); i++) {
            ctx.set(keys.get(i), i);
        }
        for (int i = 0; i < keys.size(); i++) {
            assertThat(ctx.get(keys.get(i))).isEqualTo(i);
        }
        assertThat(ctx.get(StandardAttrs.APP)).isSameAs(ALICE);
        assertThat(request().get(keys.get(19))).isNull();
    }

    @Test
    void theKeysMostRequestsSetAreKeptInFields() {
        assertThat(List.of(StandardAttrs.APP.index, StandardAttrs.VARIANT.index, StandardAttrs.UPSTREAM_OVERRIDE.index))
                .doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < AttrKey.INLINE);
        assertThat(AttrKey.of("later").index).isGreaterThanOrEqualTo(AttrKey.INLINE);
    }

    @Test
    void settingTheAppVariantAndUpstreamAllocatesNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        RequestContext[] fresh = new RequestContext[1000];
        for (int i = 0; i < fresh.length; i++) {
            fresh[i] = request();
        }
        String variant = "stable";
        set(request(), variant); // loads and links what the loop below runs
        long before = threads.getCurrentThreadAllocatedBytes();
        for (RequestContext ctx : fresh) {
            set(ctx, variant);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).isZero();
        assertThat(fresh[999].get(StandardAttrs.APP)).isSameAs(ALICE);
    }

    private static void set(RequestContext ctx, String variant) {
        ctx.set(StandardAttrs.APP, ALICE);
        ctx.set(StandardAttrs.VARIANT, variant);
        ctx.set(StandardAttrs.UPSTREAM_OVERRIDE, null);
        if (ctx.get(StandardAttrs.APP) != ALICE || ctx.get(StandardAttrs.VARIANT) != variant) {
            throw new AssertionError("lost a value");
        }
    }
}
