package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
}
