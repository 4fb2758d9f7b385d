package dev.gateway.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteRewriteTest {

    private static Route rewriting(String from, String to) {
        return Route.matchOnly("r", Set.of(), from, to);
    }

    @Test
    void leavesPathUnchangedWithoutRewrite() {
        assertThat(rewriting(null, null).rewrite("/api/orders")).isEqualTo("/api/orders");
    }

    @Test
    void stripPrefixRemovesThePrefix() {
        assertThat(rewriting("/api", "").rewrite("/api/orders")).isEqualTo("/orders");
    }

    @Test
    void stripPrefixOfTheWholePathLeavesRoot() {
        assertThat(rewriting("/api", "").rewrite("/api")).isEqualTo("/");
    }

    @Test
    void stripPrefixOfPrefixWithTrailingSlashLeavesRoot() {
        assertThat(rewriting("/api", "").rewrite("/api/")).isEqualTo("/");
    }

    @Test
    void stripPrefixLeavesPathWhoseSegmentOnlyStartsWithThePrefixUnchanged() {
        assertThat(rewriting("/api", "").rewrite("/apix")).isEqualTo("/apix");
    }

    @Test
    void stripPrefixLeavesPathWithOtherPrefixUnchanged() {
        assertThat(rewriting("/api", "").rewrite("/other/api")).isEqualTo("/other/api");
    }

    @Test
    void stripPrefixWithMultiSegmentPrefixKeepsTheRest() {
        assertThat(rewriting("/api/v1", "").rewrite("/api/v1/users/7")).isEqualTo("/users/7");
    }

    @Test
    void replacePrefixSubstitutesThePrefix() {
        assertThat(rewriting("/api", "/v2").rewrite("/api/users/7")).isEqualTo("/v2/users/7");
    }

    @Test
    void replacePrefixOfTheWholePathYieldsTheReplacement() {
        assertThat(rewriting("/api", "/v2").rewrite("/api")).isEqualTo("/v2");
    }

    @Test
    void replacePrefixLeavesPathWhoseSegmentOnlyStartsWithThePrefixUnchanged() {
        assertThat(rewriting("/api", "/v2").rewrite("/apix/users")).isEqualTo("/apix/users");
    }

    @Test
    void replacePrefixWithRootDropsThePrefix() {
        assertThat(rewriting("/api", "/").rewrite("/api/users/7")).isEqualTo("/users/7");
    }

    @Test
    void replacePrefixWithRootMapsThePrefixItselfToRoot() {
        assertThat(rewriting("/api", "/").rewrite("/api")).isEqualTo("/");
    }

    @Test
    void stripOfRootLeavesEveryPathUnchanged() {
        assertThat(rewriting("/", "").rewrite("/orders/7")).isEqualTo("/orders/7");
    }

    @Test
    void replaceOfRootPrependsTheReplacement() {
        assertThat(rewriting("/", "/v2").rewrite("/orders/7")).isEqualTo("/v2/orders/7");
    }

    @Test
    void replaceOfRootWithRootLeavesPathUnchanged() {
        assertThat(rewriting("/", "/").rewrite("/orders")).isEqualTo("/orders");
    }
}
