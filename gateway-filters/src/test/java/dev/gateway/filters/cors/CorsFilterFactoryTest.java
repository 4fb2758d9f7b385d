package dev.gateway.filters.cors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code cors} section as the configuration loader reads it: defaults, and every problem located. */
class CorsFilterFactoryTest {
    @TempDir
    Path dir;

    /** A gateway.yml with one route whose cors section is {@code cors} (indented under {@code cors:}, line 9 on). */
    private Path write(String cors) throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - id: app
                    paths: [/app/**]
                    upstream: u
                    filters:
                      cors:
                """ + cors.indent(8));
        return file;
    }

    private GatewayConfig load(String cors) throws Exception {
        return new ConfigLoader(Map.<String, String>of()::get, List.of(new CorsFilterFactory())).load(write(cors));
    }

    private List<String> errors(String cors) throws Exception {
        try {
            load(cors);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("gateway.yml") + ":" + line + ": routes[0].filters.cors.";
    }

    private CorsConfig config(GatewayConfig c) {
        return (CorsConfig) c.routes().get(0).filters().get(0).config();
    }

    @Test
    void modeIsStrictByDefault() throws Exception {
        CorsConfig c = config(load("allow-origins: [\"https://app.example.com\"]"));
        assertThat(c.mode()).isEqualTo(CorsConfig.Mode.STRICT);
        assertThat(c.allowMethods()).contains("GET", "POST", "PUT");
        assertThat(c.allowCredentials()).isFalse();
    }

    @Test
    void readsPermissiveMode() throws Exception {
        assertThat(config(load("mode: permissive\nallow-origins: [\"*\"]")).mode())
                .isEqualTo(CorsConfig.Mode.PERMISSIVE);
    }

    @Test
    void unknownModeIsALocatedError() throws Exception {
        assertThat(errors("mode: lenient\nallow-origins: [\"*\"]"))
                .containsExactly(at(9) + "mode: expected one of [strict, permissive], found 'lenient'");
    }

    @Test
    void invalidOriginPatternsAreLocatedErrors() throws Exception {
        assertThat(errors("""
                allow-origins:
                  - https://app.example.com
                  - https://app*.example.com
                  - https://app.example.com/
                  - app.example.com
                """)).containsExactly(
                at(11) + "allow-origins[1]: a wildcard may only stand for subdomains, as the whole first label"
                        + " (https://*.example.com), found 'https://app*.example.com'",
                at(12) + "allow-origins[2]: an origin is scheme://host[:port] with no path, found"
                        + " 'https://app.example.com/' (did you mean 'https://app.example.com'?)",
                at(13) + "allow-origins[3]: expected \"*\", \"null\" or an origin such as https://app.example.com"
                        + " or https://*.example.com, found 'app.example.com'");
    }

    @Test
    void credentialsWithStarIsALocatedError() throws Exception {
        assertThat(errors("allow-origins: [\"*\"]\nallow-credentials: true")).containsExactly(at(10)
                + "allow-credentials: true cannot be combined with \"*\" in allow-origins: list the origins"
                + " (patterns such as https://*.example.com are fine)");
    }

    @Test
    void missingOriginsAndInvalidNamesAreLocatedErrors() throws Exception {
        assertThat(errors("allow-methods: [GET, \"GET POST\"]\nallow-headers: [\"*\"]")).containsExactly(
                at(8).replace("cors.", "cors.allow-origins: at least one origin is required"),
                at(9) + "allow-methods[1]: expected a method, found 'GET POST'",
                at(10) + "allow-headers[0]: expected a header name, found '*'");
    }
}
