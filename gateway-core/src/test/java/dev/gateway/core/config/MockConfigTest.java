package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.terminal.MockTerminal;
import dev.gateway.core.testing.TestRequests;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A route's {@code mock:} section as the loader reads it, and every problem located. */
class MockConfigTest {
    @TempDir
    Path dir;

    private Path write(String routes) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, "upstreams:\n  u: { targets: [\"http://127.0.0.1:9\"] }\nroutes:\n" + routes);
        return file;
    }

    private List<String> errors(String routes) throws Exception {
        try {
            new ConfigLoader(Map.<String, String>of()::get).load(write(routes));
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("gateway.yml") + ":" + line + ": ";
    }

    @Test
    void readsStatusHeadersBodyAndDelayWithoutEnvironmentSubstitution() throws Exception {
        GatewayConfig c = new ConfigLoader(Map.of("path", "ENV")::get).load(write("""
                  - id: m
                    paths: [/m]
                    mock:
                      status: 202
                      headers: {Content-Type: application/json}
                      body: '{"p":"${path}","id":"${request_id}","h":"${header.X-A}"}'
                      delay: 150ms
                """));
        MockConfig m = c.routes().get(0).mock();
        assertThat(m.status()).isEqualTo(202);
        assertThat(m.delay()).hasMillis(150);
        HttpHeadersProbe probe = new HttpHeadersProbe();
        assertThat(new String(MockTerminal.render(m.template(), probe.context("/m", "a\tb \"q\" \\")), StandardCharsets.UTF_8))
                .isEqualTo("{\"p\":\"/m\",\"id\":\"req-9\",\"h\":\"a\\tb \\\"q\\\" \\\\\"}");
    }

    @Test
    void rejectsBothUpstreamAndMockAndNeither() throws Exception {
        assertThat(errors("""
                  - id: both
                    paths: [/a]
                    upstream: u
                    mock: { body: x }
                  - id: neither
                    paths: [/b]
                """)).containsExactly(
                at(4) + "routes[0].mock: use one of upstream, mock and batch",
                at(8) + "routes[1].upstream: is required (or mock, or batch)");
    }

    @Test
    void locatesUnknownSubstitutionUnreadableFileAndReservedHeader() throws Exception {
        Files.writeString(dir.resolve("bad.json"), "{\"x\":\"${nope}\"}");
        assertThat(errors("""
                  - id: a
                    paths: [/a]
                    mock: { body: 'hi ${user}' }
                  - id: b
                    paths: [/b]
                    mock: { body-file: missing.bin }
                  - id: c
                    paths: [/c]
                    mock:
                      headers: {Content-Type: application/json, Content-Length: "3"}
                      body-file: bad.json
                  - id: d
                    paths: [/d]
                    mock: { body: x, body-file: bad.json, delay: soon }
                """)).containsExactly(
                at(6) + "routes[0].mock.body: unknown substitution '${user}' (known: ${request_id}, ${path}, "
                        + "${query.NAME}, ${header.NAME}, ${app})",
                at(9) + "routes[1].mock.body-file: cannot read 'missing.bin': java.nio.file.NoSuchFileException: "
                        + dir.resolve("missing.bin"),
                at(13) + "routes[2].mock.headers.Content-Length: the gateway sets Content-Length itself",
                at(14) + "routes[2].mock.body-file: bad.json: unknown substitution '${nope}' (known: ${request_id}, "
                        + "${path}, ${query.NAME}, ${header.NAME}, ${app})",
                at(17) + "routes[3].mock.delay: expected a duration such as 500ms, 30s, 5m, found 'soon'",
                at(17) + "routes[3].mock.body-file: use body or body-file, not both");
    }

    /** A request context with one header, X-A. */
    private static final class HttpHeadersProbe {
        RequestContext context(String path, String headerValue) {
            DefaultHttpHeaders h = new DefaultHttpHeaders();
            h.set("X-A", headerValue);
            return new RequestContext("req-9", HttpMethod.GET, path, path, null, h, "m", null, TestRequests.LOCALHOST,
                    TestRequests.LOOP, 0, "HTTP/1.1");
        }
    }
}
