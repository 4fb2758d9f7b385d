package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code redis:} section: defaults, URIs checked by Lettuce's parser at load, located errors, masking. */
class RedisConfigTest {
    @TempDir
    Path dir;

    private GatewayConfig load(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), yaml);
        return new ConfigLoader(env::get).load(dir.resolve("gateway.yml"));
    }

    private List<String> errors(String yaml) throws IOException {
        try {
            load(yaml, Map.of());
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("gateway.yml") + ":" + line;
    }

    @Test
    void hasNoRedisWithoutARedisSection() throws Exception {
        assertThat(load("server: {listen: ':8080'}\n", Map.of()).redis()).isNull();
    }

    @Test
    void readsAStandaloneUriWithDefaultsFromTheEnvironment() throws Exception {
        RedisConfig r = load("redis:\n  uri: ${REDIS_URI}\n", Map.of("REDIS_URI", "redis://10.1.2.3:6380/2")).redis();
        assertThat(r.uri()).isEqualTo("redis://10.1.2.3:6380/2");
        assertThat(r.isCluster()).isFalse();
        assertThat(r.commandTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(r.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(r.keyPrefix()).isEqualTo("gw:");
        assertThat(r.readiness()).isEqualTo(RedisConfig.Readiness.DEGRADED);
    }

    @Test
    void readsClusterSeedsSentinelTlsAndEveryKey() throws Exception {
        RedisConfig c = load("""
                redis:
                  cluster: [redis://10.0.0.1:7000, "rediss://:pw@10.0.0.2:7000"]
                  command-timeout: 100ms
                  connect-timeout: 1s
                  key-prefix: "edge:"
                  readiness: required
                """, Map.of()).redis();
        assertThat(c.cluster()).containsExactly("redis://10.0.0.1:7000", "rediss://:pw@10.0.0.2:7000");
        assertThat(c.commandTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.keyPrefix()).isEqualTo("edge:");
        assertThat(c.readiness()).isEqualTo(RedisConfig.Readiness.REQUIRED);
        assertThat(c.toString()).contains("rediss://:***@10.0.0.2:7000").doesNotContain(":pw@");
        assertThat(load("redis: {uri: 'redis-sentinel://h1:26379,h2:26379/0#mymaster'}\n", Map.of()).redis().uri())
                .isEqualTo("redis-sentinel://h1:26379,h2:26379/0#mymaster");
    }

    @Test
    void refusesUriAndClusterTogether() throws IOException {
        assertThat(errors("""
                redis:
                  uri: redis://127.0.0.1:6379
                  cluster: [redis://127.0.0.1:7000]
                """)).containsExactly(at(2) + ": redis.uri: use uri or cluster, not both (cluster at " + at(3) + ")");
    }

    @Test
    void refusesASectionWithNeitherUriNorCluster() throws IOException {
        assertThat(errors("redis:\n  key-prefix: 'x:'\n")).containsExactly(at(1) + ": redis.uri: a Redis uri (or a "
                + "cluster seed list) is required; remove the redis section for no Redis");
    }

    @Test
    void locatesInvalidUrisAndNeverShowsTheirPassword() throws IOException {
        assertThat(errors("""
                redis:
                  uri: http://user:hunter2@127.0.0.1:6379
                """)).containsExactly(at(2) + ": redis.uri: invalid Redis URI 'http://user:***@127.0.0.1:6379': "
                + "Scheme http not supported");
        assertThat(errors("redis:\n  uri: redis://127.0.0.1:99999\n")).containsExactly(at(2)
                + ": redis.uri: invalid Redis URI 'redis://127.0.0.1:99999': Port out of range: 99999");
        assertThat(errors("redis:\n  uri: 'redis://:hunter2@host:abc'\n")).containsExactly(at(2)
                + ": redis.uri: expected redis://[user:password@]host[:port][/database], found "
                + "'redis://:***@host:abc'");
        assertThat(errors("redis:\n  uri: redis-sentinel://:hunter2@h1:26379\n")).singleElement().asString()
                .startsWith(at(2) + ": redis.uri: invalid Redis URI 'redis-sentinel://:***@h1:26379': ")
                .doesNotContain("hunter2");
    }

    @Test
    void locatesAClusterSeedThatIsASentinelUri() throws IOException {
        assertThat(errors("""
                redis:
                  cluster:
                    - redis://10.0.0.1:7000
                    - redis-sentinel://10.0.0.2:26379/0#m
                """)).containsExactly(at(4) + ": redis.cluster[1]: a cluster seed is a redis:// or rediss:// node "
                + "URI, not Sentinel, found 'redis-sentinel://10.0.0.2:26379/0#m'");
    }

    @Test
    void refusesAHashTagInTheKeyPrefixAnUnknownKeyAndABadReadiness() throws IOException {
        assertThat(errors("""
                redis:
                  uri: redis://127.0.0.1
                  key-prefix: "gw:{all}:"
                  readiness: sometimes
                  timeout: 1s
                """)).containsExactly(
                at(3) + ": redis.key-prefix: a key prefix is at most 64 characters with no '{', '}' or whitespace (a "
                        + "hash tag in it would put every key in one cluster slot), found 'gw:{all}:'",
                at(4) + ": redis.readiness: expected one of [required, degraded], found 'sometimes'",
                at(5) + ": redis.timeout: unknown key 'timeout'");
    }

    @Test
    void masksPasswordsOfEveryForm() {
        assertThat(RedisUris.mask("redis://user:p@ss@h:6379/0")).isEqualTo("redis://user:***@h:6379/0");
        assertThat(RedisUris.mask("redis://:secret@h")).isEqualTo("redis://:***@h");
        assertThat(RedisUris.mask("redis://secret@h/1")).isEqualTo("redis://***@h/1");
        assertThat(RedisUris.mask("redis-sentinel://:pw@h1:26379,h2:26379/0#m"))
                .isEqualTo("redis-sentinel://:***@h1:26379,h2:26379/0#m");
        assertThat(RedisUris.mask("redis://h:6379/0#x@y")).isEqualTo("redis://h:6379/0#x@y");
        assertThat(RedisUris.password("redis://user:p@ss@h")).isEqualTo("p@ss");
        assertThat(RedisUris.password("redis://h")).isNull();
    }
}
