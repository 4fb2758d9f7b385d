package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LimitsConfigTest {
    private static final String BASE = """
            upstreams:
              u: { targets: [http://127.0.0.1:1] }
            routes:
              - { id: orders, paths: [/orders/**], upstream: u, group: shop }
              - { id: users, paths: [/users/**], upstream: u }
            include: [limits.yml]
            """;

    @TempDir
    Path dir;

    private GatewayConfig load(String limits, String extra) throws Exception {
        Files.writeString(dir.resolve("gateway.yml"), extra + BASE);
        Files.writeString(dir.resolve("limits.yml"), limits);
        return new ConfigLoader(k -> null).load(dir.resolve("gateway.yml"));
    }

    private List<String> errors(String limits) {
        return errors(limits, "");
    }

    private List<String> errors(String limits, String extra) {
        try {
            load(limits, extra);
        } catch (ConfigException e) {
            return e.errors().stream().map(ConfigError::toString).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the configuration to be rejected");
    }

    private String at(int line) {
        return dir.resolve("limits.yml") + ":" + line;
    }

    @Test
    void readsEveryKeyOfTheIssuesExample() throws Exception {
        GatewayConfig c = load("""
                limits-settings: { legacy-headers: true }
                limits:
                  - id: orders-rps
                    routes: [orders]
                    methods: [post]
                    key: [app, header:X-Region]
                    rate: 200/s
                    burst: 400
                    scope: local
                    on-exceed: queue
                    queue: {max-wait: 500ms, max-length: 1000}
                    priority-groups: {core: 60, realtime: 30, other: 10}
                    overrides: {"header:X-Region=eu": {rate: 50/s}}
                  - id: app-daily
                    routes: [all]
                    key: [app]
                    quota: 100000/day
                    time-zone: Asia/Shanghai
                  - id: inflight
                    routes: ["group:shop"]
                    concurrency: 500
                    on-exceed: fallback
                    fallback: {status: 200, headers: {Content-Type: application/json}, body: '{"items":[]}'}
                """, "");
        assertThat(c.limits()).hasSize(3);
        LimitConfig rps = c.limits().get(0);
        assertThat(rps.methods()).containsExactly("POST");
        assertThat(rps.key()).extracting(Object::toString).containsExactly("app", "header:x-region");
        assertThat(rps.rate().intervalNanos()).isEqualTo(5_000_000);
        assertThat(rps.burst()).isEqualTo(400);
        assertThat(rps.queue()).isEqualTo(new LimitConfig.Queue(Duration.ofMillis(500), 1000));
        assertThat(rps.priorityGroups()).containsOnlyKeys("core", "realtime", "other");
        assertThat(rps.overrides().get(0).rate().count()).isEqualTo(50);
        assertThat(rps.overrides().get(0).burst()).as("one second's worth by default").isEqualTo(50);
        LimitConfig daily = c.limits().get(1);
        assertThat(daily.quota().zone()).isEqualTo(ZoneId.of("Asia/Shanghai"));
        assertThat(daily.quota().limit()).isEqualTo(100_000);
        assertThat(c.limits().get(2).covers("orders", "shop")).isTrue();
        assertThat(c.limits().get(2).covers("users", null)).isFalse();
        assertThat(c.limitsSettings().legacyHeaders()).isTrue();
        assertThat(c.limitsSettings().headers()).isTrue();
    }

    @Test
    void burstDefaultsToOneSecondsWorth() throws Exception {
        LimitConfig l = load("limits: [{id: x, routes: [users], rate: 600/m}]", "").limits().get(0);
        assertThat(l.burst()).isEqualTo(10);
    }

    @Test
    void locatesEveryMistake() {
        assertThat(errors("""
                limits:
                  - id: a
                    routes: [ordrs, "group:nope"]
                    key: [ip, user]
                    rate: 100/sec
                  - id: a
                    routes: [users]
                    quota: 10/week
                  - id: c
                    routes: [users]
                    rate: 5/s
                    queue: {max-wait: 100ms}
                  - id: d
                    routes: [users]
                  - id: e
                    routes: [users]
                    rate: 5/s
                    quota: 5/day
                  - id: f
                    routes: [users]
                    rate: 5/s
                    overrides: {"ip:not-an-ip": {rate: 1/s}, "header:X-Region=eu": {rate: 1/s}}
                """)).containsExactlyInAnyOrder(
                at(4) + ": limits[0].key[1]: unknown key dimension 'user' (known: route, app, ip, header:NAME)",
                at(5) + ": limits[0].rate: expected a rate such as 100/s or 600/m (N above 0), found '100/sec'",
                at(8) + ": limits[1].quota: expected a quota such as 100000/day, 5000/hour or 100/minute (N in "
                        + "1..2147483647), found '10/week'",
                at(12) + ": limits[2].queue: queue applies only with on-exceed: queue",
                at(13) + ": limits[3]: a limit needs one of rate (N/s, N/m), quota (N/minute, N/hour, N/day) or "
                        + "concurrency",
                at(15) + ": limits[4]: rate, quota and concurrency are separate limits: give one per entry",
                at(22) + ": limits[5].overrides.ip:not-an-ip: an ip override needs ip in the limit's key",
                at(22) + ": limits[5].overrides.header:X-Region=eu: a header override needs header:x-region in the "
                        + "limit's key",
                at(2) + ": limits[0].routes: no route with id 'ordrs' (did you mean 'orders'?)",
                at(2) + ": limits[0].routes: no route is in group 'nope'",
                at(6) + ": limits[1].id: limit id 'a' is already used at " + at(2));
    }

    @Test
    void clusterScopeNeedsRedisAndSaysWhatIsLocalOnly() throws Exception {
        String redis = "redis: { uri: \"redis://127.0.0.1:1\" }\n";
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster}]"))
                .containsExactly(at(1) + ": limits[0].scope: scope: cluster needs a redis: section");
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, expected-nodes: 4}]"))
                .containsExactly(at(1) + ": limits[0].expected-nodes: expected-nodes applies to scope: cluster");
        load("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, priority-groups: {a: 1, b: 1}}]", redis);
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, priority-groups: {a: 1, b: 1}, "
                + "lease: 2}]", redis)).containsExactly(at(1) + ": limits[0].lease: a rate split among priority groups "
                        + "is decided in Redis: lease and priority-groups don't mix");
        load("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, on-exceed: queue}]", redis);
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, on-exceed: queue, lease: 2}]",
                redis)).containsExactly(at(1) + ": limits[0].lease: a queueing limit reserves its tokens in Redis: "
                        + "lease and on-exceed: queue don't mix");
        assertThat(errors("limits: [{id: x, routes: [all], concurrency: 5, scope: cluster}]", redis))
                .containsExactly(at(1) + ": limits[0].scope: a concurrency limit is local-only for now (scope: "
                        + "cluster counts rates and quotas)");
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, lease: 10}]", redis))
                .containsExactly(at(1) + ": limits[0].lease: lease 10 is above the burst (5): a node cannot take "
                        + "more tokens than the bucket holds");
        assertThat(errors("limits: [{id: x, routes: [all], quota: 5/day, scope: cluster, lease: 2}]", redis))
                .containsExactly(at(1) + ": limits[0].lease: lease applies to a rate (a cluster quota counts every "
                        + "request in Redis)");
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, lease: {max-age: 1s}}]", redis))
                .containsExactly(at(1) + ": limits[0].lease: lease needs tokens: how many a node takes from Redis at "
                        + "once");
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, lease: 2}]"))
                .containsExactly(at(1) + ": limits[0].lease: lease applies to scope: cluster");
        assertThat(errors("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, on-redis-error: maybe}]",
                redis)).containsExactly(at(1) + ": limits[0].on-redis-error: expected one of [fail-open, fail-closed], "
                        + "found 'maybe'");
    }

    @Test
    void clusterSettingsAreRead() throws Exception {
        String redis = "redis: { uri: \"redis://127.0.0.1:1\" }\n";
        GatewayConfig c = load("limits: [{id: x, routes: [all], rate: 5/s, scope: cluster, on-redis-error: fail-closed, "
                + "expected-nodes: 4}, {id: y, routes: [all], quota: 10/day, scope: cluster}]", redis);
        assertThat(c.limits().get(0).cluster()).isEqualTo(new LimitConfig.Cluster(LimitConfig.OnRedisError
                .FAIL_CLOSED, 4));
        assertThat(c.limits().get(1).cluster()).isEqualTo(LimitConfig.Cluster.DEFAULT);
        assertThat(load("limits: [{id: x, routes: [all], rate: 100/s, scope: cluster, lease: 20}]", redis).limits()
                .get(0).cluster()).isEqualTo(new LimitConfig.Cluster(LimitConfig.OnRedisError.FAIL_OPEN, 1, 20,
                        Duration.ofSeconds(1)));
        assertThat(load("limits: [{id: x, routes: [all], rate: 100/s, scope: cluster, lease: {tokens: 5, max-age: "
                + "200ms}}]", redis).limits().get(0).cluster()).isEqualTo(new LimitConfig.Cluster(
                        LimitConfig.OnRedisError.FAIL_OPEN, 1, 5, Duration.ofMillis(200)));
        assertThat(load("limits: [{id: z, routes: [all], rate: 5/s}]", "").limits().get(0).cluster()).isNull();
    }

    @Test
    void aQueueMustWaitLessThanTheRoutesFilterTimeout() {
        assertThat(errors("limits: [{id: q, routes: [users], rate: 5/s, on-exceed: queue, queue: {max-wait: 5s}}]"))
                .containsExactly(at(1) + ": limits[0].queue.max-wait: max-wait 5000ms is not below the filter-timeout "
                        + "of route 'users' (5000ms)");
    }

    @Test
    void fallbackAndTimeZoneBelongToTheirKinds() {
        assertThat(errors("""
                limits:
                  - {id: a, routes: [users], rate: 5/s, on-exceed: fallback}
                  - {id: b, routes: [users], rate: 5/s, time-zone: Europe/Paris}
                  - {id: c, routes: [users], quota: 5/day, time-zone: Mars/Olympus}
                  - {id: d, routes: [users], concurrency: 5, on-exceed: queue}
                """)).containsExactlyInAnyOrder(
                at(2) + ": limits[0].on-exceed: on-exceed: fallback needs a fallback: {status, headers, body}",
                at(3) + ": limits[1].time-zone: time-zone applies to a quota",
                at(4) + ": limits[2].time-zone: unknown time zone (use a region such as Asia/Shanghai, or UTC)",
                at(5) + ": limits[3].on-exceed: on-exceed: queue needs a rate (a quota or concurrency limit cannot "
                        + "wait)");
    }

    @Test
    void limitsSettingsMayBeGivenOnce() {
        assertThat(errors("limits-settings: {legacy-headers: true}\n", "limits-settings: {headers: false}\n"))
                .containsExactly(at(1) + ": limits-settings: limits-settings is already given at "
                        + dir.resolve("gateway.yml") + ":1");
    }
}
