package dev.gateway.core.testing;

import dev.gateway.core.config.ConfigNode;
import dev.gateway.core.config.Problems;
import dev.gateway.core.filter.FilterContext;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/** Builds request contexts and filter contexts for tests of filters as plain objects. */
public final class TestRequests {
    /** A real single-thread loop (daemon), for filters that continue on the request's loop. */
    public static final EventLoop LOOP = new DefaultEventLoop(new DefaultThreadFactory("test-loop", true));
    public static final InetAddress LOCALHOST = loopback();

    private TestRequests() {}

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A request to route {@code routeId} from 127.0.0.1; {@code target} is both the raw URI and the path. */
    public static RequestContext context(String routeId, String method, String target, String version,
            HttpHeaders headers) {
        return new RequestContext("req-1", HttpMethod.valueOf(method), target, target, null, headers, routeId, null,
                LOCALHOST, LOOP, 0, version);
    }

    /** What a factory sees when it builds a filter for route {@code routeId} (no upstreams, no whole config). */
    public static FilterContext filterContext(String routeId, String routeGroup, Problems problems) {
        return new FilterContext(routeId, routeGroup, null, Map.of(), problems,
                new ConfigNode.Location("test.yml", 1), "routes[0].filters");
    }

    public static FilterContext filterContext(String routeId, String routeGroup) {
        return filterContext(routeId, routeGroup, new Problems());
    }

    /** The error code of a refusal, or an assertion error naming what the result was instead. */
    public static String refusalCode(FilterResult r) {
        if (r instanceof FilterResult.Refuse refuse) {
            return refuse.error().code();
        }
        throw new AssertionError("expected a refusal, got " + r);
    }
}
