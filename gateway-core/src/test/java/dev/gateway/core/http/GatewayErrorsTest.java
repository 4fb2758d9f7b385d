package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GatewayErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bodyHoldsErrorCodeMessageAndRequestId() {
        assertThat(GatewayErrors.body(GatewayErrors.NO_ROUTE, "req-1"))
                .isEqualTo("{\"error\":\"no_route\",\"message\":\"no route matches the request\","
                        + "\"request_id\":\"req-1\"}\n");
    }

    @Test
    void bodyWritesMissingRequestIdAsJsonNull() {
        assertThat(GatewayErrors.body(GatewayErrors.NO_ROUTE, null))
                .isEqualTo("{\"error\":\"no_route\",\"message\":\"no route matches the request\","
                        + "\"request_id\":null}\n");
    }

    @Test
    void bodyEscapesQuotesBackslashesAndControlCharacters() {
        String body = GatewayErrors.body("bad", "say \"hi\" \\ now\n\u0001", "id\"1");

        assertThat(body).isEqualTo("{\"error\":\"bad\",\"message\":\"say \\\"hi\\\" \\\\ now\\n\\u0001\","
                + "\"request_id\":\"id\\\"1\"}\n");
    }

    @Test
    void escapedBodyParsesBackToTheOriginalValues() throws Exception {
        String message = "line1\nline2\t\"quoted\" </script> \u0000 caf\u00e9";

        JsonNode node = JSON.readTree(GatewayErrors.body("code", message, "r\\1"));

        assertThat(node.size()).isEqualTo(3);
        assertThat(node.get("error").asText()).isEqualTo("code");
        assertThat(node.get("message").asText()).isEqualTo(message);
        assertThat(node.get("request_id").asText()).isEqualTo("r\\1");
    }

    @Test
    void responseCarriesTheErrorStatus() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, GatewayErrors.UPSTREAM_TIMEOUT, "id");
        try {
            assertThat(r.status()).isEqualTo(HttpResponseStatus.GATEWAY_TIMEOUT);
        } finally {
            r.release();
        }
    }

    @Test
    void responseBodyIsTheJsonBody() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, GatewayErrors.NO_ROUTE, "id-7");
        try {
            assertThat(r.content().toString(StandardCharsets.UTF_8))
                    .isEqualTo(GatewayErrors.body(GatewayErrors.NO_ROUTE, "id-7"));
        } finally {
            r.release();
        }
    }

    @Test
    void responseHasJsonContentType() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, GatewayErrors.NO_ROUTE, "id");
        try {
            assertThat(r.headers().get(HttpHeaderNames.CONTENT_TYPE)).isEqualTo("application/json");
        } finally {
            r.release();
        }
    }

    @Test
    void responseContentLengthCountsUtf8Bytes() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, HttpResponseStatus.BAD_REQUEST,
                "bad", "caf\u00e9 \u2603", "id");
        try {
            int expected = GatewayErrors.body("bad", "caf\u00e9 \u2603", "id")
                    .getBytes(StandardCharsets.UTF_8).length;
            assertThat(r.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(expected);
            assertThat(r.content().readableBytes()).isEqualTo(expected);
        } finally {
            r.release();
        }
    }

    @Test
    void responseEchoesRequestIdHeader() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, GatewayErrors.NO_ROUTE, "id-9");
        try {
            assertThat(r.headers().get(GatewayHeaders.X_REQUEST_ID)).isEqualTo("id-9");
        } finally {
            r.release();
        }
    }

    @Test
    void responseWithoutRequestIdHasNoRequestIdHeader() {
        FullHttpResponse r = GatewayErrors.response(ByteBufAllocator.DEFAULT, GatewayErrors.NO_ROUTE, null);
        try {
            assertThat(r.headers().contains(GatewayHeaders.X_REQUEST_ID)).isFalse();
            assertThat(r.content().toString(StandardCharsets.UTF_8)).contains("\"request_id\":null");
        } finally {
            r.release();
        }
    }
}
