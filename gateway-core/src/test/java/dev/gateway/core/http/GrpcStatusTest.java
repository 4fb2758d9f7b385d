package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrpcStatusTest {

    @Test
    void theIssuesCodesAndTheGrpcTableForTheRest() {
        assertThat(GrpcStatus.code(401)).isEqualTo(16);
        assertThat(GrpcStatus.code(403)).isEqualTo(7);
        assertThat(GrpcStatus.code(429)).isEqualTo(8);
        assertThat(GrpcStatus.code(503)).isEqualTo(14);
        assertThat(GrpcStatus.code(504)).isEqualTo(4);
        assertThat(GrpcStatus.code(400)).isEqualTo(13);
        assertThat(GrpcStatus.code(404)).isEqualTo(12);
        assertThat(GrpcStatus.code(502)).isEqualTo(14);
        assertThat(GrpcStatus.code(500)).isEqualTo(2);
    }

    @Test
    void grpcCallsAreRecognisedByContentType() {
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders().add("content-type", "application/grpc"))).isTrue();
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders().add("content-type", "Application/GRPC+proto"))).isTrue();
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders().add("content-type", "application/grpc-web"))).isFalse();
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders().add("content-type", "application/grpcx"))).isFalse();
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders().add("content-type", "application/json"))).isFalse();
        assertThat(GrpcStatus.isGrpc(new DefaultHttpHeaders())).isFalse();
    }

    @Test
    void anErrorBecomesTrailersOnlyWithItsHeadersKept() {
        GatewayError e = new GatewayError(HttpResponseStatus.TOO_MANY_REQUESTS, "rate_limited", "slow down 50%")
                .withHeader("retry-after", "2");
        GatewayResponse r = GrpcStatus.respond(e, "id-1");
        assertThat(r.status().code()).isEqualTo(200);
        assertThat(r.bodyLength()).isZero();
        assertThat(r.header("content-type")).isEqualTo("application/grpc");
        assertThat(r.header("grpc-status")).isEqualTo("8");
        assertThat(r.header("grpc-message")).isEqualTo("rate_limited: slow down 50%25");
        assertThat(r.header("retry-after")).isEqualTo("2");
        assertThat(r.header("x-request-id")).isEqualTo("id-1");
    }

    @Test
    void messagesArePercentEncodedUtf8() {
        assertThat(GrpcStatus.percentEncode("caf\u00e9\n ok~")).isEqualTo("caf%C3%A9%0A ok~");
    }

    @Test
    void aFiltersOwnAnswerIsAdaptedOnlyWhenItIsAnError() {
        GatewayResponse ok = GatewayResponse.text(HttpResponseStatus.OK, List.of(), "fine");
        assertThat(GrpcStatus.adapt(ok, "id")).isSameAs(ok);
        GatewayResponse limited = GatewayResponse.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                List.of(new Header("content-type", "text/plain"), new Header("retry-after", "1")), "busy");
        GatewayResponse g = GrpcStatus.adapt(limited, "id");
        assertThat(g.status().code()).isEqualTo(200);
        assertThat(g.header("grpc-status")).isEqualTo("14");
        assertThat(g.header("content-type")).isEqualTo("application/grpc");
        assertThat(g.header("retry-after")).isEqualTo("1");
        assertThat(g.bodyLength()).isZero();
    }
}
