package dev.gateway.core.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.http.PathNormalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteTableTest {

    private static Route route(String id, String... methods) {
        return Route.matchOnly(id, Set.of(methods), null, null);
    }

    private static RouteTable.Entry entry(Route route, String... paths) {
        return new RouteTable.Entry(route, List.of(), List.of(paths));
    }

    private static RouteTable.Entry hostEntry(Route route, String host, String... paths) {
        return new RouteTable.Entry(route, List.of(host), List.of(paths));
    }

    private static RouteTable table(RouteTable.Entry... entries) {
        return RouteTable.compile(List.of(entries));
    }

    // --- host precedence ---

    @Test
    void exactHostBeatsWildcardHostAndRouteWithoutHost() {
        Route any = route("any");
        Route wildcard = route("wildcard");
        Route exact = route("exact");
        RouteTable t = table(entry(any, "/**"), hostEntry(wildcard, "*.example.com", "/**"),
                hostEntry(exact, "api.example.com", "/**"));

        assertThat(t.match("api.example.com", "GET", "/x")).isSameAs(exact);
    }

    @Test
    void wildcardHostBeatsRouteWithoutHost() {
        Route any = route("any");
        Route wildcard = route("wildcard");
        RouteTable t = table(entry(any, "/**"), hostEntry(wildcard, "*.example.com", "/**"));

        assertThat(t.match("www.example.com", "GET", "/x")).isSameAs(wildcard);
    }

    @Test
    void longerWildcardSuffixBeatsShorterOne() {
        Route shorter = route("shorter");
        Route longer = route("longer");
        RouteTable t = table(hostEntry(shorter, "*.example.com", "/**"),
                hostEntry(longer, "*.eu.example.com", "/**"));

        assertThat(t.match("shop.eu.example.com", "GET", "/x")).isSameAs(longer);
    }

    @Test
    void wildcardHostMatchesSubdomainsOfAnyDepth() {
        Route wildcard = route("wildcard");
        RouteTable t = table(hostEntry(wildcard, "*.example.com", "/**"));

        assertThat(t.match("a.b.c.example.com", "GET", "/x")).isSameAs(wildcard);
    }

    @Test
    void wildcardHostDoesNotMatchTheBareDomain() {
        Route any = route("any");
        Route wildcard = route("wildcard");
        RouteTable t = table(entry(any, "/**"), hostEntry(wildcard, "*.example.com", "/**"));

        assertThat(t.match("example.com", "GET", "/x")).isSameAs(any);
    }

    @Test
    void wildcardHostDoesNotMatchDomainThatOnlySharesTheEnding() {
        Route wildcard = route("wildcard");
        RouteTable t = table(hostEntry(wildcard, "*.example.com", "/**"));

        assertThat(t.match("badexample.com", "GET", "/x")).isNull();
    }

    @Test
    void hostMatchingIgnoresCaseAndPort() {
        Route exact = route("exact");
        RouteTable t = table(hostEntry(exact, "api.example.com", "/**"));

        assertThat(t.match("API.Example.COM:8443", "GET", "/x")).isSameAs(exact);
    }

    @Test
    void hostMatchingIgnoresTrailingDot() {
        Route exact = route("exact");
        RouteTable t = table(hostEntry(exact, "api.example.com", "/**"));

        assertThat(t.match("api.example.com.", "GET", "/x")).isSameAs(exact);
    }

    @Test
    void wildcardHostMatchingIgnoresCaseAndPort() {
        Route wildcard = route("wildcard");
        RouteTable t = table(hostEntry(wildcard, "*.example.com", "/**"));

        assertThat(t.match("WWW.EXAMPLE.com:80", "GET", "/x")).isSameAs(wildcard);
    }

    @Test
    void hostRouteDoesNotMatchOtherHost() {
        RouteTable t = table(hostEntry(route("exact"), "api.example.com", "/**"));

        assertThat(t.match("other.example.org", "GET", "/x")).isNull();
    }

    @Test
    void requestWithoutHostMatchesOnlyRoutesWithoutHost() {
        Route any = route("any");
        RouteTable t = table(hostEntry(route("exact"), "api.example.com", "/**"), entry(any, "/**"));

        assertThat(t.match(null, "GET", "/x")).isSameAs(any);
    }

    @Test
    void fallsBackToRouteWithoutHostWhenHostRoutesDoNotMatchThePath() {
        Route any = route("any");
        RouteTable t = table(hostEntry(route("exact"), "api.example.com", "/orders"), entry(any, "/**"));

        assertThat(t.match("api.example.com", "GET", "/users")).isSameAs(any);
    }

    // --- path precedence ---

    @Test
    void literalSegmentBeatsParameter() {
        Route param = route("param");
        Route literal = route("literal");
        RouteTable t = table(entry(param, "/users/{id}"), entry(literal, "/users/me"));

        assertThat(t.match(null, "GET", "/users/me")).isSameAs(literal);
    }

    @Test
    void parameterMatchesAnyOtherSegment() {
        Route param = route("param");
        RouteTable t = table(entry(param, "/users/{id}"), entry(route("literal"), "/users/me"));

        assertThat(t.match(null, "GET", "/users/42")).isSameAs(param);
    }

    @Test
    void parameterDoesNotMatchEmptySegment() {
        RouteTable t = table(entry(route("param"), "/users/{id}"));

        assertThat(t.match(null, "GET", "/users/")).isNull();
    }

    @Test
    void parameterBeatsWildcard() {
        Route wildcard = route("wildcard");
        Route param = route("param");
        RouteTable t = table(entry(wildcard, "/users/**"), entry(param, "/users/{id}"));

        assertThat(t.match(null, "GET", "/users/42")).isSameAs(param);
    }

    @Test
    void wildcardTakesPathsDeeperThanTheParameterRoute() {
        Route wildcard = route("wildcard");
        RouteTable t = table(entry(wildcard, "/users/**"), entry(route("param"), "/users/{id}"));

        assertThat(t.match(null, "GET", "/users/42/orders")).isSameAs(wildcard);
    }

    @Test
    void segmentsAreComparedFromTheLeft() {
        Route paramFirst = route("paramFirst");
        Route literalFirst = route("literalFirst");
        RouteTable t = table(entry(paramFirst, "/{a}/b"), entry(literalFirst, "/x/{c}"));

        assertThat(t.match(null, "GET", "/x/b")).isSameAs(literalFirst);
    }

    @Test
    void exactPatternBeatsPrefixPatternAtSameDepth() {
        Route prefix = route("prefix");
        Route exact = route("exact");
        RouteTable t = table(entry(prefix, "/api/**"), entry(exact, "/api"));

        assertThat(t.match(null, "GET", "/api")).isSameAs(exact);
    }

    @Test
    void prefixPatternMatchesThePrefixItself() {
        Route prefix = route("prefix");
        RouteTable t = table(entry(prefix, "/api/**"));

        assertThat(t.match(null, "GET", "/api")).isSameAs(prefix);
    }

    @Test
    void prefixPatternMatchesThePrefixWithTrailingSlash() {
        Route prefix = route("prefix");
        RouteTable t = table(entry(prefix, "/api/**"));

        assertThat(t.match(null, "GET", "/api/")).isSameAs(prefix);
    }

    @Test
    void prefixPatternMatchesPathsSeveralSegmentsBelow() {
        Route prefix = route("prefix");
        RouteTable t = table(entry(prefix, "/api/**"));

        assertThat(t.match(null, "GET", "/api/x/y")).isSameAs(prefix);
    }

    @Test
    void prefixPatternDoesNotMatchSegmentThatMerelyStartsWithThePrefix() {
        RouteTable t = table(entry(route("prefix"), "/api/**"));

        assertThat(t.match(null, "GET", "/apix")).isNull();
    }

    @Test
    void rootWildcardMatchesRoot() {
        Route all = route("all");
        RouteTable t = table(entry(all, "/**"));

        assertThat(t.match(null, "GET", "/")).isSameAs(all);
    }

    @Test
    void rootPatternMatchesOnlyRoot() {
        RouteTable t = table(entry(route("root"), "/"));

        assertThat(t.match(null, "GET", "/x")).isNull();
    }

    @Test
    void exactPatternDoesNotMatchPathWithTrailingSlash() {
        RouteTable t = table(entry(route("exact"), "/api/orders"));

        assertThat(t.match(null, "GET", "/api/orders/")).isNull();
    }

    @Test
    void literalSegmentsAreCaseSensitive() {
        RouteTable t = table(entry(route("exact"), "/api/orders"));

        assertThat(t.match(null, "GET", "/API/orders")).isNull();
    }

    @Test
    void literalBranchIsPreferredEvenWhenItEndsInAWildcard() {
        // Left to right, literal first: at segment 2, 'b' (literal) beats {id}, and /a/b/** then takes /x.
        Route param = route("param");
        Route literalPrefix = route("literalPrefix");
        RouteTable t = table(entry(param, "/a/{id}/x"), entry(literalPrefix, "/a/b/**"));

        assertThat(t.match(null, "GET", "/a/b/x")).isSameAs(literalPrefix);
    }

    @Test
    void backtracksToParameterWhenLiteralBranchDeadEnds() {
        Route param = route("param");
        RouteTable t = table(entry(route("literal"), "/a/b/c"), entry(param, "/a/{id}/d"));

        assertThat(t.match(null, "GET", "/a/b/d")).isSameAs(param);
    }

    @Test
    void backtracksToShallowerWildcardWhenDeeperBranchesDeadEnd() {
        Route wildcard = route("wildcard");
        RouteTable t = table(entry(wildcard, "/a/**"), entry(route("literal"), "/a/b/c"),
                entry(route("param"), "/a/{id}/d"));

        assertThat(t.match(null, "GET", "/a/b/e")).isSameAs(wildcard);
    }

    @Test
    void matchesLiteralChildrenWhenThereAreMoreThanEight() {
        List<RouteTable.Entry> entries = new ArrayList<>();
        List<Route> routes = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Route r = route("r" + i);
            routes.add(r);
            entries.add(entry(r, "/svc" + i + "/items"));
        }
        RouteTable t = RouteTable.compile(entries);

        for (int i = 0; i < 12; i++) {
            assertThat(t.match(null, "GET", "/svc" + i + "/items")).as("/svc%d/items", i).isSameAs(routes.get(i));
        }
    }

    @Test
    void backtracksToParameterFromNodeWithMoreThanEightLiteralChildren() {
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            entries.add(entry(route("r" + i), "/svc" + i));
        }
        Route param = route("param");
        entries.add(entry(param, "/{name}/health"));
        RouteTable t = RouteTable.compile(entries);

        assertThat(t.match(null, "GET", "/svc3/health")).isSameAs(param);
    }

    @Test
    void doesNotMatchUnknownLiteralAmongMoreThanEightChildren() {
        List<RouteTable.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            entries.add(entry(route("r" + i), "/svc" + i));
        }
        RouteTable t = RouteTable.compile(entries);

        assertThat(t.match(null, "GET", "/svc12")).isNull();
    }

    // --- method precedence ---

    @Test
    void routeListingTheMethodBeatsCatchAllMethodRoute() {
        Route catchAll = route("catchAll");
        Route get = route("get", "GET");
        RouteTable t = table(entry(catchAll, "/orders"), entry(get, "/orders"));

        assertThat(t.match(null, "GET", "/orders")).isSameAs(get);
    }

    @Test
    void catchAllMethodRouteTakesMethodsNoOtherRouteLists() {
        Route catchAll = route("catchAll");
        RouteTable t = table(entry(catchAll, "/orders"), entry(route("get", "GET"), "/orders"));

        assertThat(t.match(null, "DELETE", "/orders")).isSameAs(catchAll);
    }

    @Test
    void returnsNullWhenNoRouteListsTheMethodAndNoneTakesAll() {
        RouteTable t = table(entry(route("get", "GET", "HEAD"), "/orders"), entry(route("post", "POST"), "/orders"));

        assertThat(t.match(null, "DELETE", "/orders")).isNull();
    }

    @Test
    void picksTheRouteThatListsTheRequestMethod() {
        Route post = route("post", "POST");
        RouteTable t = table(entry(route("get", "GET"), "/orders"), entry(post, "/orders"));

        assertThat(t.match(null, "POST", "/orders")).isSameAs(post);
    }

    @Test
    void fallsBackToLessSpecificPathWhenMethodDoesNotMatch() {
        Route param = route("param", "GET");
        RouteTable t = table(entry(route("literal", "POST"), "/a/b"), entry(param, "/a/{id}"));

        assertThat(t.match(null, "GET", "/a/b")).isSameAs(param);
    }

    // --- security ---

    @Test
    void traversalOutOfPublicPrefixDoesNotMatchPublicRoute() {
        Route publicRoute = route("public");
        RouteTable t = table(entry(publicRoute, "/public/**"));

        String path = PathNormalizer.normalize("/public/../admin");

        assertThat(t.match(null, "GET", path)).isNull();
    }

    @Test
    void traversalOutOfPublicPrefixMatchesTheRouteOfTheResolvedPath() {
        Route publicRoute = route("public");
        Route admin = route("admin");
        RouteTable t = table(entry(publicRoute, "/public/**"), entry(admin, "/admin/**"));

        String path = PathNormalizer.normalize("/public/%2e%2e/admin");

        assertThat(t.match(null, "GET", path)).isSameAs(admin);
    }

    @Test
    void listsEveryCompiledRoute() {
        Route a = route("a");
        Route b = route("b");
        RouteTable t = table(entry(a, "/a"), hostEntry(b, "example.com", "/b"));

        assertThat(t.routes()).containsExactly(a, b);
    }
}
