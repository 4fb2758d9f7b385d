package dev.gateway.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.App;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AppJsonTest {
    static final App APP = new App("shop-app", List.of("s3cret-value-1".getBytes(StandardCharsets.UTF_8)), true,
            Set.of("orders", "users"), Set.of("public"), "partners", "core", List.of("beta"),
            Map.of("orders-rps", new App.LimitOverride(50, 100)));

    @Test
    void writtenAppReadsBackEqual() {
        AppJson.Read r = AppJson.read(AppJson.write(APP), "shop-app");
        assertThat(r.problems()).isEmpty();
        App back = r.app();
        assertThat(back.key()).isEqualTo("shop-app");
        assertThat(back.secrets()).singleElement().satisfies(s -> assertThat(s).isEqualTo(APP.secrets().get(0)));
        assertThat(back.routes()).isEqualTo(APP.routes());
        assertThat(back.routeGroups()).isEqualTo(APP.routeGroups());
        assertThat(back.group()).isEqualTo("partners");
        assertThat(back.priority()).isEqualTo("core");
        assertThat(back.grayTags()).containsExactly("beta");
        assertThat(back.limits()).isEqualTo(APP.limits());
    }

    @Test
    void theKeyMayComeFromTheUrlAndDefaultsApply() {
        App a = AppJson.read("{\"secrets\":[\"x\"]}", "k1").app();
        assertThat(a.key()).isEqualTo("k1");
        assertThat(a.enabled()).isTrue();
        assertThat(a.priority()).isEqualTo("default");
        assertThat(a.routes()).isEmpty();
    }

    @Test
    void everyProblemIsListedAtOnce() {
        AppJson.Read r = AppJson.read("{\"key\":\"other\",\"secrets\":[\"\"],\"enabled\":\"yes\",\"routes\":\"orders\","
                + "\"limits\":{\"rps\":{\"per-second\":0}},\"colour\":\"red\"}", "k1");
        assertThat(r.ok()).isFalse();
        assertThat(r.problems()).containsExactlyInAnyOrder(
                "colour: unknown field (expected one of key, secrets, enabled, routes, route-groups, group, "
                        + "priority, gray-tags, limits)",
                "key: 'other' differs from 'k1'",
                "secrets: a secret may not be empty",
                "enabled: expected true or false",
                "routes: expected a list of strings",
                "limits.rps.per-second: expected a whole number of at least 1");
    }

    @Test
    void badJsonAndBadKeysAreProblemsNotExceptions() {
        assertThat(AppJson.read("{not json", null).problems()).singleElement().asString().startsWith("body: not JSON");
        assertThat(AppJson.read("[1]", null).problems()).containsExactly("body: expected a JSON object");
        assertThat(AppJson.read("{\"key\":\"a b\",\"secrets\":[\"x\"]}", null).problems())
                .containsExactly("key: 'a b' must be 1-64 letters, digits, '.', '_' or '-'");
        assertThat(AppJson.read("{\"secrets\":[\"x\"]}", null).problems()).containsExactly("key: is required");
        assertThat(AppJson.read("{\"key\":\"k\"}", null).problems())
                .containsExactly("secrets: at least one secret is required");
    }

    @Test
    void maskedOutputNeverHoldsASecret() {
        String masked = AppJson.writeMasked(APP);
        assertThat(masked).doesNotContain("s3cret-value-1").contains("****-1 (14 chars)").contains("\"key\":\"shop-app\"");
    }
}
