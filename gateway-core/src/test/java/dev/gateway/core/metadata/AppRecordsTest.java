package dev.gateway.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import dev.gateway.core.config.RedisConfig;
import dev.gateway.core.redis.RedisService;
import dev.gateway.core.testing.RealRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** App records in a real redis-server: the key layout, created/updated, malformed records, paging by cursor. */
class AppRecordsTest {
    @RegisterExtension
    static final RealRedis redis = RealRedis.standalone();
    static RedisService service;
    static AppRecords records;

    @BeforeAll
    static void connect() throws Exception {
        service = RedisService.start(new RedisConfig(redis.uri(), List.of(), Duration.ofMillis(500),
                Duration.ofSeconds(2), "t1:", RedisConfig.Readiness.DEGRADED), null);
        records = new AppRecords(service);
    }

    @AfterAll
    static void close() {
        service.close();
    }

    @BeforeEach
    void empty() {
        redis.server().call("FLUSHALL");
    }

    static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static App app(String key, String secret) {
        return new App(key, List.of(secret.getBytes(StandardCharsets.UTF_8)), true, Set.of("orders"), Set.of(),
                "partners", "default", List.of(), Map.of("orders", new App.LimitOverride(10, 20)));
    }

    @Test
    void putSaysCreatedThenUpdatedAndStoresTheAppJsonUnderPrefixAppKey() throws Exception {
        assertThat(await(records.put(app("shop-app", "first-secret")))).isEqualTo(AppRecords.Written.CREATED);
        assertThat(await(records.put(app("shop-app", "second-secret")))).isEqualTo(AppRecords.Written.UPDATED);
        String stored = (String) redis.server().call("GET", "t1:app:shop-app");
        assertThat(stored).isEqualTo(AppJson.write(app("shop-app", "second-secret")));
        AppRecords.Stored got = await(records.get("shop-app"));
        assertThat(new String(got.app().secrets().get(0), StandardCharsets.UTF_8)).isEqualTo("second-secret");
        assertThat(records.channel()).isEqualTo("t1:apps:changed");
    }

    @Test
    void getAnswersNullForNoRecordAndTheProblemsOfAMalformedOne() throws Exception {
        assertThat(await(records.get("nobody"))).isNull();
        redis.server().call("SET", "t1:app:broken", "{\"key\":\"broken\",\"secrets\":\"not-a-list-s3cret\"");
        redis.server().call("SET", "t1:app:wrong", "{\"key\":\"wrong\",\"secrets\":[],\"enabled\":\"yes\"}");
        assertThat(await(records.get("broken")).problems()).containsExactly("body: not JSON");
        AppRecords.Stored wrong = await(records.get("wrong"));
        assertThat(wrong.app()).isNull();
        assertThat(wrong.problems()).containsExactly("secrets: at least one secret is required",
                "enabled: expected true or false");
    }

    @Test
    void deleteSaysWhetherThereWasARecord() throws Exception {
        await(records.put(app("gone-app", "s")));
        assertThat(await(records.delete("gone-app"))).isTrue();
        assertThat(await(records.delete("gone-app"))).isFalse();
        assertThat(await(records.get("gone-app"))).isNull();
    }

    @Test
    void listPagesThroughEveryRecordAndNothingElseByCursor() throws Exception {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 35; i++) {
            await(records.put(app("app-" + i, "secret-" + i)));
            expected.add("app-" + i);
            redis.server().call("SET", "t1:replay:app-" + i + ":sig", "1"); // other keys under the same prefix
        }
        List<String> seen = new ArrayList<>();
        int pages = 0;
        String cursor = null;
        do {
            AppRecords.Page page = await(records.list(cursor, 10));
            page.apps().forEach(s -> seen.add(s.app().key()));
            cursor = page.cursor();
            pages++;
            assertThat(pages).as("pages").isLessThan(100);
        } while (cursor != null);
        assertThat(pages).isGreaterThan(1);
        assertThat(new HashSet<>(seen)).isEqualTo(expected);
    }
}
