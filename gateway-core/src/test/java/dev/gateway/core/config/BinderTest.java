package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.gateway.core.config.Binder.Bytes;
import dev.gateway.core.config.Binder.Positive;
import dev.gateway.core.config.Binder.Range;
import dev.gateway.core.config.Binder.Required;
import java.io.StringReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BinderTest {

    enum Balancer { ROUND_ROBIN, LEAST_REQUESTS }

    record Target(@Required String url, @Range(min = 1, max = 1000) int weight) {
        static Target defaults() {
            return new Target(null, 1);
        }
    }

    /** A scalar type bound through its static of(String). */
    record Port(int value) {
        static Port of(String text) {
            try {
                int p = Integer.parseInt(text.trim());
                if (p >= 0 && p <= 65535) {
                    return new Port(p);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException("expected a port in 0..65535, found '" + text + "'");
        }
    }

    record Backoff(Duration base, Duration max) implements Binder.Validated {
        static Backoff defaults() {
            return new Backoff(Duration.ofMillis(25), Duration.ofMillis(250));
        }

        @Override
        public void validate(Problems problems) {
            if (max.compareTo(base) < 0) {
                problems.add("max", max.toMillis() + "ms is below base " + base.toMillis() + "ms");
            }
        }
    }

    record Pool(
            @Required String name,
            @Range(min = 1, max = 100) int maxConnections,
            @Bytes(min = 0, max = 1L << 30) long maxBodySize,
            @Positive Duration idleTimeout,
            boolean panic,
            Balancer balancer,
            double ratio,
            List<Target> targets,
            Set<String> tags,
            Map<String, Integer> weights,
            Port port,
            Backoff backoff,
            ConfigNode.Location location) {
        static Pool defaults() {
            return new Pool(null, 10, 1024, Duration.ofSeconds(30), false, Balancer.ROUND_ROBIN, 0.5, List.of(),
                    Set.of(), Map.of(), new Port(80), Backoff.defaults(), null);
        }
    }

    /** A record without defaults() whose canonical constructor checks a rule. */
    record Window(int from, int to) {
        Window {
            if (to < from) {
                throw new IllegalArgumentException("to " + to + " is below from " + from);
            }
        }
    }

    /** A record whose canonical constructor names the keys it blames. */
    record Limit(int replenishPerSecond, int burst, List<String> methods) {
        Limit {
            Checks checks = new Checks();
            checks.check(burst >= replenishPerSecond, "burst", burst + " is below replenish-per-second "
                    + replenishPerSecond);
            for (int i = 0; i < methods.size(); i++) {
                checks.check(!methods.get(i).contains(" "), "methods[" + i + "]", "'" + methods.get(i)
                        + "' is not a method");
            }
            checks.throwIfAny();
        }
    }

    /** A record whose canonical constructor throws one message that starts with a key. */
    record Realm(String realm) {
        Realm {
            if (realm != null && realm.contains("\"")) {
                throw new IllegalArgumentException("realm: a realm may not contain '\"'");
            }
        }
    }

    private final Problems problems = new Problems();

    private ConfigNode yaml(String text) {
        return new YamlTreeReader("pool.yml", name -> null, problems).read(new StringReader(text));
    }

    private List<String> errors() {
        return problems.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void bindsKebabCaseKeysToComponentsWithUnitsEnumsAndCollections() {
        Pool pool = Binder.bind(yaml("""
                name: orders
                max-connections: 64
                max-body-size: 2MiB
                idle-timeout: 500ms
                panic: yes
                balancer: least-requests
                ratio: 0.25
                targets:
                  - url: http://a
                    weight: 3
                  - url: http://b
                tags: blue
                weights: {a: 1, b: 2}
                port: 8080
                backoff: {base: 1s, max: 2h}
                """), Pool.class, problems);

        assertThat(errors()).isEmpty();
        assertThat(pool.name()).isEqualTo("orders");
        assertThat(pool.maxConnections()).isEqualTo(64);
        assertThat(pool.maxBodySize()).isEqualTo(2L << 20);
        assertThat(pool.idleTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(pool.panic()).isTrue();
        assertThat(pool.balancer()).isEqualTo(Balancer.LEAST_REQUESTS);
        assertThat(pool.ratio()).isEqualTo(0.25);
        assertThat(pool.targets()).containsExactly(new Target("http://a", 3), new Target("http://b", 1));
        assertThat(pool.tags()).containsExactly("blue");
        assertThat(pool.weights()).containsExactly(Map.entry("a", 1), Map.entry("b", 2));
        assertThat(pool.port()).isEqualTo(new Port(8080));
        assertThat(pool.backoff()).isEqualTo(new Backoff(Duration.ofSeconds(1), Duration.ofHours(2)));
        assertThat(pool.location()).isEqualTo(new ConfigNode.Location("pool.yml", 1));
    }

    @Test
    void takesAbsentKeysFromDefaults() {
        Pool pool = Binder.bind(yaml("name: orders\nbackoff: ~\n"), Pool.class, problems);

        assertThat(errors()).isEmpty();
        assertThat(pool).isEqualTo(new Pool("orders", 10, 1024, Duration.ofSeconds(30), false, Balancer.ROUND_ROBIN,
                0.5, List.of(), Set.of(), Map.of(), new Port(80), Backoff.defaults(),
                new ConfigNode.Location("pool.yml", 1)));
    }

    @Test
    void reportsEveryProblemLocatedInOnePassAndKeepsDefaults() {
        Pool pool = Binder.bind(yaml("""
                max-connections: 500
                max-body-size: 2XB
                idle-timeout: 0
                panic: maybe
                balancer: random
                targets:
                  - weight: 2
                  - just-a-url
                port: 70000
                backof: {}
                """), Pool.class, problems);

        assertThat(errors()).containsExactly(
                "pool.yml:1: name: is required",
                "pool.yml:1: max-connections: 500 is out of range [1, 100]",
                "pool.yml:2: max-body-size: expected a size such as 8192, 16KB, 10MB, found '2XB'",
                "pool.yml:3: idle-timeout: must be above 0",
                "pool.yml:4: panic: expected true or false, found 'maybe'",
                "pool.yml:5: balancer: expected one of [round-robin, least-requests], found 'random'",
                "pool.yml:7: targets[0].url: is required",
                "pool.yml:8: targets[1]: expected a mapping, found a scalar",
                "pool.yml:9: port: expected a port in 0..65535, found '70000'",
                "pool.yml:10: backof: unknown key 'backof' (did you mean 'backoff'?)");
        assertThat(pool.maxConnections()).isEqualTo(10);
        assertThat(pool.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(pool.targets()).containsExactly(new Target(null, 2), Target.defaults());
    }

    @Test
    void runsCrossFieldRulesAtTheKeyTheyBlame() {
        Binder.bind(yaml("""
                name: orders
                backoff:
                  base: 2s
                  max: 1s
                """), Pool.class, problems);

        assertThat(errors()).containsExactly("pool.yml:4: backoff.max: 1000ms is below base 2000ms");
    }

    @Test
    void locatesACrossFieldRuleOnAnAbsentKeyAtItsMapping() {
        Binder.bind(yaml("""
                name: orders
                backoff:
                  base: 2s
                """), Pool.class, problems);

        assertThat(errors()).containsExactly("pool.yml:2: backoff.max: 250ms is below base 2000ms");
    }

    @Test
    void reportsAConstructorRuleAtTheRecordsMapping() {
        Window w = Binder.bind(yaml("\nfrom: 5\nto: 1\n"), Window.class, problems);

        assertThat(w).isNull();
        assertThat(errors()).containsExactly("pool.yml:2: to 1 is below from 5");
    }

    @Test
    void locatesEveryProblemOfACanonicalConstructorAtItsKey() {
        Limit l = Binder.bind(yaml("""
                replenish-per-second: 100
                burst: 10
                methods: [GET, "GET POST"]
                """), Limit.class, problems);

        assertThat(l).isNull();
        assertThat(errors()).containsExactly("pool.yml:2: burst: 10 is below replenish-per-second 100",
                "pool.yml:3: methods[1]: 'GET POST' is not a method");
    }

    @Test
    void locatesAConstructorMessageThatNamesAKey() {
        Binder.bind(yaml("\nrealm: 'a\"b'\n"), Realm.class, problems);

        assertThat(errors()).containsExactly("pool.yml:2: realm: a realm may not contain '\"'");
    }

    @Test
    void rejectsAScalarWhereAMappingBelongs() {
        Pool pool = Binder.bind(yaml("name: x\nbackoff: fast\n"), Pool.class, problems);

        assertThat(errors()).containsExactly("pool.yml:2: backoff: expected a mapping, found a scalar");
        assertThat(pool.backoff()).isEqualTo(Backoff.defaults());
    }

    @Test
    void rejectsAListWhereAScalarBelongs() {
        Binder.bind(yaml("name: [a, b]\ntags: [ok, {x: 1}]\n"), Pool.class, problems);

        assertThat(errors()).containsExactly("pool.yml:1: name: expected a scalar, found a list",
                "pool.yml:2: tags[1]: expected a scalar, found a mapping");
    }

    record Files(java.nio.file.Path pidFile) {}

    @Test
    void bindsAPath() {
        assertThat(Binder.bind(yaml("pid-file: run/gateway.pid\n"), Files.class, problems).pidFile())
                .isEqualTo(java.nio.file.Path.of("run/gateway.pid"));
        assertThat(errors()).isEmpty();
    }

    /** A "one of" shape: each record is picked by its tag key. */
    sealed interface Check permits HttpCheck, TcpCheck {}

    record HttpCheck(@Binder.Tag String path, @Binder.OneOf("expect") Integer status,
            @Binder.OneOf("expect") java.util.regex.Pattern body) implements Check {}

    record TcpCheck(@Binder.Tag @Range(min = 1, max = 65535) int port) implements Check {}

    record Probes(List<Check> checks) {}

    @Test
    void bindsEachMappingToTheRecordItsTagKeyPicks() {
        Probes c = Binder.bind(yaml("""
                checks:
                  - path: /health
                    status: 200
                  - port: 6379
                  - path: /ready
                    body: "ok|ready"
                """), Probes.class, problems);

        assertThat(errors()).isEmpty();
        assertThat(c.checks()).hasSize(3);
        assertThat(c.checks().get(0)).isEqualTo(new HttpCheck("/health", 200, null));
        assertThat(c.checks().get(1)).isEqualTo(new TcpCheck(6379));
        assertThat(((HttpCheck) c.checks().get(2)).body().matcher("ready").find()).isTrue();
    }

    @Test
    void locatesAMissingOrAmbiguousTagAndAOneOfGroupAtTheMapping() {
        Probes c = Binder.bind(yaml("""
                checks:
                  - status: 200
                  - path: /x
                    port: 80
                  - path: /y
                  - path: /z
                    status: 200
                    body: ok
                  - path: /w
                    body: "(open"
                    boddy: 1
                """), Probes.class, problems);

        assertThat(errors()).containsExactly(
                "pool.yml:2: checks[0]: needs one of path or port",
                "pool.yml:3: checks[1]: has exactly one of path or port, found path and port",
                "pool.yml:5: checks[2]: needs one of status or body",
                "pool.yml:6: checks[3]: has exactly one of status or body, found status and body",
                "pool.yml:10: checks[4].body: invalid regular expression: Unclosed group near index 5",
                "pool.yml:11: checks[4].boddy: unknown key 'boddy' (did you mean 'body'?)");
        // The one-of failures build nothing; the bad pattern binds to its default, as any bad value does.
        assertThat(c.checks()).containsExactly(new HttpCheck("/w", null, null));
    }

    /** A "one of" shape with an untagged record: a mapping without the tag key binds to it. */
    sealed interface Destination permits Named, Answer {}

    record Named(@Binder.Tag String upstream, @Binder.Key("upstream") ConfigNode at) implements Destination {}

    record Answer(@Range(min = 200, max = 599) int status, String body) implements Destination {
        static Answer defaults() {
            return new Answer(200, "");
        }
    }

    record Fallbacks(List<Destination> fallbacks) {}

    @Test
    void bindsAMappingWithoutATagKeyToTheUntaggedRecord() {
        Fallbacks f = Binder.bind(yaml("""
                fallbacks:
                  - upstream: dr
                  - {status: 503, body: busy}
                  - {}
                  - {upstream: dr, status: 500}
                  - {status: 99}
                """), Fallbacks.class, problems);

        assertThat(errors()).containsExactly(
                "pool.yml:5: fallbacks[3].status: unknown key 'status'",
                "pool.yml:6: fallbacks[4].status: 99 is out of range [200, 599]");
        assertThat(f.fallbacks()).hasSize(5);
        Named named = (Named) f.fallbacks().get(0);
        assertThat(named.upstream()).isEqualTo("dr");
        assertThat(named.at().location().line()).isEqualTo(2);
        assertThat(named.at().path()).isEqualTo("fallbacks[0].upstream");
        assertThat(f.fallbacks().subList(1, 3)).containsExactly(new Answer(503, "busy"), new Answer(200, ""));
        assertThat(f.fallbacks().get(3)).isInstanceOf(Named.class);
    }

    record Group(@Binder.Name String name, ConfigNode.Location location, @Range(min = 1, max = 9) int size) {}

    record Groups(java.util.Map<String, Group> groups) {}

    @Test
    void givesARecordInAMapItsKeyAsItsNameAndTakesNoNameKey() {
        Groups g = Binder.bind(yaml("""
                groups:
                  orders: {size: 2}
                  billing:
                    size: 3
                    name: x
                """), Groups.class, problems);

        assertThat(errors()).containsExactly("pool.yml:5: groups.billing.name: unknown key 'name'");
        assertThat(g.groups().values()).extracting(Group::name, Group::size, x -> x.location().line())
                .containsExactly(tuple("orders", 2, 2), tuple("billing", 3, 3));
        assertThat(Binder.bind(yaml("size: 1"), "solo", Group.class, problems).name()).isEqualTo("solo");
    }

    record Entry(@Binder.KeyPath String path, ConfigNode.Location location,
            @Binder.Key("upstream") ConfigNode.Location upstreamAt, String upstream,
            @Binder.Unbound List<String> filters) {}

    record Entries(List<Entry> entries) {}

    @Test
    void fillsTheKeyPathAndTheLineOfAKeyAndLeavesAnUnboundKeyToTheCaller() {
        Entries e = Binder.bind(yaml("""
                entries:
                  - id: 1
                    upstream: u
                    filters: {anything: [goes, here]}
                  - {}
                """), Entries.class, problems);

        assertThat(errors()).containsExactly("pool.yml:2: entries[0].id: unknown key 'id'");
        assertThat(e.entries()).extracting(Entry::path, x -> x.location().line(), x -> x.upstreamAt().line(),
                Entry::filters).containsExactly(tuple("entries[0]", 2, 3, List.of()), tuple("entries[1]", 5, 5,
                List.of()));
    }

    record Keys(List<byte[]> secrets) {}

    @Test
    void bindsAScalarToItsUtf8Bytes() {
        Keys k = Binder.bind(yaml("secrets: [s3cr\u00e9t, '']\n"), Keys.class, problems);

        assertThat(errors()).isEmpty();
        assertThat(k.secrets()).containsExactly("s3cr\u00e9t".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                new byte[0]);
    }

    @Test
    void namesKeysInKebabCase() {
        assertThat(Binder.kebab("maxPipelinedRequests")).isEqualTo("max-pipelined-requests");
        assertThat(Binder.kebab("panic")).isEqualTo("panic");
    }
}
