package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code docker-compose.yml} as parsed YAML (there is no Docker engine here to run it; CI's image job runs it): Redis
 * persists to a named volume, and no gateway publishes its admin listener beyond the host's loopback.
 */
class ComposeFileTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent(); // Surefire runs in the module
    private static final YAMLMapper YAML = new YAMLMapper();

    private static JsonNode read(String file) throws IOException {
        return YAML.readTree(ROOT.resolve(file).toFile());
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void redisAppendsEveryWriteToAFileOnANamedVolume() throws IOException {
        JsonNode compose = read("docker-compose.yml");
        JsonNode redis = compose.at("/services/redis");
        List<String> command = strings(redis.get("command"));
        assertThat(String.join(" ", command)).as("redis command").contains("--appendonly yes")
                .doesNotContain("--appendonly no");
        List<String> volumes = strings(redis.get("volumes"));
        assertThat(volumes).as("redis volumes").anySatisfy(v -> {
            String[] parts = v.split(":");
            assertThat(parts).hasSizeGreaterThanOrEqualTo(2);
            assertThat(parts[1]).isEqualTo("/data"); // the redis image's working directory: the AOF goes there
            assertThat(parts[0]).as("a named volume, declared at the top level").doesNotContain("/");
            assertThat(compose.at("/volumes").has(parts[0])).as("volumes." + parts[0] + " declared").isTrue();
        });
    }

    @Test
    void theAdminListenerIsPublishedOnTheHostsLoopbackOnly() throws IOException {
        JsonNode services = read("docker-compose.yml").get("services");
        int gateways = 0;
        for (Map.Entry<String, JsonNode> service : (Iterable<Map.Entry<String, JsonNode>>) services::fields) {
            JsonNode command = service.getValue().get("command");
            List<String> args = command == null ? List.of() : strings(command);
            int config = args.indexOf("--config");
            if (config < 0) {
                continue; // not a gateway
            }
            gateways++;
            // The configuration inside the container (/app/deploy/...) is the repository's deploy/ (mounted).
            String file = args.get(config + 1).replaceFirst("^/app/", "");
            JsonNode gatewayYml = read(file);
            String listen = gatewayYml.at("/admin/listen").asText("127.0.0.1:9090");
            String adminPort = listen.substring(listen.lastIndexOf(':') + 1);
            JsonNode ports = service.getValue().get("ports");
            if (ports == null) {
                continue;
            }
            for (JsonNode p : ports) {
                String hostIp;
                String target;
                if (p.isObject()) { // long syntax
                    hostIp = p.path("host_ip").asText("");
                    target = p.path("target").asText();
                } else {
                    String[] parts = p.asText().split(":");
                    hostIp = parts.length == 3 ? parts[0] : "";
                    target = parts[parts.length - 1].replaceFirst("/tcp$", "");
                }
                if (target.equals(adminPort)) {
                    assertThat(hostIp).as("%s publishes its admin port %s (%s) on", service.getKey(), adminPort,
                            file).isIn("127.0.0.1", "[::1]", "::1");
                }
            }
        }
        assertThat(gateways).as("services running the gateway (gateway, stable, canary)").isEqualTo(3);
        assertThat(read("docker-compose.yml").at("/services/gateway/ports").toString()).as("admin still published")
                .contains("127.0.0.1:9090:9090");
    }

    @Test
    void onlyTheProxyIsPublishedBeyondTheHostsLoopback() throws IOException {
        JsonNode services = read("docker-compose.yml").get("services");
        List<String> wide = new ArrayList<>();
        for (Map.Entry<String, JsonNode> service : (Iterable<Map.Entry<String, JsonNode>>) services::fields) {
            JsonNode ports = service.getValue().get("ports");
            if (ports == null) {
                continue;
            }
            for (JsonNode p : ports) {
                String hostIp = p.isObject() ? p.path("host_ip").asText("") : hostIpOf(p.asText());
                if (!List.of("127.0.0.1", "[::1]", "::1").contains(hostIp)) {
                    wide.add(service.getKey() + " " + (p.isObject() ? p.toString() : p.asText()));
                }
            }
        }
        // Prometheus has no login and Grafana ships admin/admin: neither is published to every interface.
        assertThat(wide).containsExactly("gateway 8080:8080");
    }

    private static String hostIpOf(String shortSyntax) {
        String[] parts = shortSyntax.split(":");
        return parts.length == 3 ? parts[0] : "";
    }

    @Test
    void theComposeGatewayTakesItsAdminTokenFromTheEnvironment() throws IOException {
        JsonNode gateway = read("docker-compose.yml").at("/services/gateway");
        assertThat(gateway.at("/environment/ADMIN_TOKEN").asText()).isEqualTo("${ADMIN_TOKEN:-}");
        assertThat(read("deploy/gateway/gateway.yml").at("/admin/token").asText()).isEqualTo("${ADMIN_TOKEN:}");
    }
}
