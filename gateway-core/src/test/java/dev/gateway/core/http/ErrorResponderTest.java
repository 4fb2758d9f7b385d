package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class ErrorResponderTest {

    @Test
    void responseCarriesTheErrorsStatusAndJsonBodyWithTheRequestId() {
        GatewayResponse r = ErrorResponder.respond(GatewayErrors.UPSTREAM_TIMEOUT, "id-7");

        assertThat(r.status()).isEqualTo(HttpResponseStatus.GATEWAY_TIMEOUT);
        assertThat(r.bodyText()).isEqualTo(GatewayErrors.body(GatewayErrors.UPSTREAM_TIMEOUT, "id-7"));
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("x-request-id")).isEqualTo("id-7");
    }

    @Test
    void responseCarriesTheErrorsOwnHeaders() {
        GatewayError e = new GatewayError(401, "missing_credentials", "no credentials")
                .withHeader("www-authenticate", "hmac realm=\"shop\"");

        GatewayResponse r = ErrorResponder.respond(e, "id");

        assertThat(r.header("www-authenticate")).isEqualTo("hmac realm=\"shop\"");
        assertThat(r.status().code()).isEqualTo(401);
    }

    @Test
    void bodyLengthCountsUtf8Bytes() {
        GatewayResponse r = ErrorResponder.respond(new GatewayError(400, "bad", "caf\u00e9 \u2603"), "id");

        assertThat(r.bodyLength()).isEqualTo(GatewayErrors.body("bad", "caf\u00e9 \u2603", "id")
                .getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void responseWithoutRequestIdHasNoRequestIdHeader() {
        GatewayResponse r = ErrorResponder.respond(GatewayErrors.NO_ROUTE, null);

        assertThat(r.header("x-request-id")).isNull();
        assertThat(r.bodyText()).contains("\"request_id\":null");
    }

    @Test
    void gatewayExceptionAnswersWithItsError() {
        GatewayError e = new GatewayError(503, "metadata_unavailable", "the app store is down");

        assertThat(ErrorResponder.classify(new CompletionException(new GatewayException(e)), "id", "test"))
                .isSameAs(e);
    }

    @Test
    void timeoutsConnectFailuresAndRejectionsMapToTheirStatuses() {
        assertThat(ErrorResponder.classify(new TimeoutException(), "id", "test").status().code()).isEqualTo(504);
        assertThat(ErrorResponder.classify(new ConnectException(), "id", "test").status().code()).isEqualTo(502);
        assertThat(ErrorResponder.classify(new RejectedExecutionException(), "id", "test").status().code())
                .isEqualTo(503);
    }

    @Test
    void anythingElseIsAnInternalErrorThatNeverEchoesTheMessage() {
        GatewayResponse r = ErrorResponder.respond(new IllegalStateException("secret detail"), "id-9", "test");

        assertThat(r.status().code()).isEqualTo(500);
        assertThat(r.bodyText()).contains("\"error\":\"internal_error\"").contains("\"request_id\":\"id-9\"")
                .doesNotContain("secret detail");
    }
}
