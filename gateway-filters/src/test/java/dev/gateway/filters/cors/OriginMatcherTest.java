package dev.gateway.filters.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OriginMatcherTest {

    static OriginMatcher of(String... entries) {
        return OriginMatcher.compile(List.of(entries));
    }

    @Test
    void subdomainPatternMatchesSubdomainsAtAnyDepth() {
        OriginMatcher m = of("https://*.example.com");
        assertThat(m.matches("https://a.example.com")).isTrue();
        assertThat(m.matches("https://a.b.example.com")).isTrue();
        assertThat(m.matches("https://x-1.example.com")).isTrue();
    }

    @Test
    void subdomainPatternDoesNotMatchTheDomainItself() {
        assertThat(of("https://*.example.com").matches("https://example.com")).isFalse();
        assertThat(of("https://*.example.com", "https://example.com").matches("https://example.com")).isTrue();
    }

    @Test
    void subdomainPatternDoesNotMatchAnEvilSuffixOrLookalike() {
        OriginMatcher m = of("https://*.example.com");
        assertThat(m.matches("https://example.com.evil.net")).isFalse();
        assertThat(m.matches("https://a.example.com.evil.net")).isFalse();
        assertThat(m.matches("https://evilexample.com")).isFalse();
        assertThat(m.matches("https://.example.com")).isFalse();
        assertThat(m.matches("https://a..example.com")).isFalse();
        assertThat(m.matches("https://evil.net/.example.com")).isFalse();
        assertThat(m.matches("https://evil.net?.example.com")).isFalse();
        assertThat(m.matches("https://user@a.example.com")).isFalse();
        assertThat(m.matches("https://evil.net:1@a.example.com")).isFalse();
        assertThat(m.matches("https://a.example.com.")).isFalse();
    }

    @Test
    void subdomainPatternDoesNotMatchAnotherSchemeOrPort() {
        OriginMatcher m = of("https://*.example.com");
        assertThat(m.matches("http://a.example.com")).isFalse();
        assertThat(m.matches("wss://a.example.com")).isFalse();
        assertThat(m.matches("https://a.example.com:8443")).isFalse();
        OriginMatcher withPort = of("http://*.example.com:8080");
        assertThat(withPort.matches("http://a.example.com:8080")).isTrue();
        assertThat(withPort.matches("http://a.example.com")).isFalse();
        assertThat(withPort.matches("http://a.example.com:18080")).isFalse();
        assertThat(withPort.matches("http://a.example.com:80800")).isFalse();
    }

    @Test
    void exactOriginsDifferBySchemeHostAndPort() {
        OriginMatcher m = of("http://127.0.0.1:8080");
        assertThat(m.matches("http://127.0.0.1:8080")).isTrue();
        assertThat(m.matches("http://localhost:8080")).isFalse();
        assertThat(m.matches("http://127.0.0.1:8081")).isFalse();
        assertThat(m.matches("https://127.0.0.1:8080")).isFalse();
        assertThat(m.matches("http://127.0.0.1:8080/")).isFalse();
    }

    @Test
    void originsAreComparedIgnoringCase() {
        assertThat(of("https://App.Example.com").matches("https://app.example.com")).isTrue();
        assertThat(of("https://app.example.com").matches("HTTPS://APP.EXAMPLE.COM")).isTrue();
        assertThat(of("https://*.example.com").matches("https://A.Example.COM")).isTrue();
    }

    @Test
    void nullOriginMatchesOnlyWhenListedLiterally() {
        assertThat(of("*").matches("null")).isFalse();
        assertThat(of("https://app.example.com").matches("null")).isFalse();
        assertThat(of("null").matches("null")).isTrue();
        assertThat(of("*", "null").matches("null")).isTrue();
    }

    @Test
    void starMatchesEveryOtherOrigin() {
        OriginMatcher m = of("*");
        assertThat(m.isAny()).isTrue();
        assertThat(m.matches("https://anything.test")).isTrue();
        assertThat(m.matches("http://localhost:1")).isTrue();
    }

    @Test
    void canonicalFormIsWhatBrowsersSend() {
        assertThat(OriginMatcher.canonical(" HTTPS://App.Example.COM ")).isEqualTo("https://app.example.com");
        assertThat(OriginMatcher.canonical("https://app.example.com:443")).isEqualTo("https://app.example.com");
        assertThat(OriginMatcher.canonical("http://app.example.com:80")).isEqualTo("http://app.example.com");
        assertThat(OriginMatcher.canonical("http://app.example.com:443")).isEqualTo("http://app.example.com:443");
        assertThat(OriginMatcher.canonical("http://[::1]:8080")).isEqualTo("http://[::1]:8080");
        assertThat(OriginMatcher.canonical("capacitor://localhost")).isEqualTo("capacitor://localhost");
        assertThat(of("https://app.example.com:443").matches("https://app.example.com")).isTrue();
    }

    @Test
    void rejectsEntriesThatAreNotOrigins() {
        assertThatThrownBy(() -> OriginMatcher.canonical("app.example.com"))
                .hasMessageContaining("expected \"*\", \"null\" or an origin");
        assertThatThrownBy(() -> OriginMatcher.canonical("https://app.example.com/"))
                .hasMessage("an origin is scheme://host[:port] with no path, found 'https://app.example.com/'"
                        + " (did you mean 'https://app.example.com'?)");
        assertThatThrownBy(() -> OriginMatcher.canonical("https://u@app.example.com"))
                .hasMessageContaining("no user info");
        assertThatThrownBy(() -> OriginMatcher.canonical("https://app.example.com:0"))
                .hasMessageContaining("invalid port '0'");
        assertThatThrownBy(() -> OriginMatcher.canonical("https://app.example.com:65536"))
                .hasMessageContaining("invalid port '65536'");
        assertThatThrownBy(() -> OriginMatcher.canonical("https://app example.com"))
                .hasMessageContaining("invalid host");
        assertThatThrownBy(() -> OriginMatcher.canonical("1https://app.example.com"))
                .hasMessageContaining("invalid scheme");
    }

    @Test
    void rejectsWildcardsOtherThanAWholeFirstLabel() {
        for (String bad : List.of("https://*example.com", "https://app.*.example.com", "https://app*.example.com",
                "https://*", "*.example.com", "https://*.*.example.com", "https://example.com:*")) {
            assertThatThrownBy(() -> OriginMatcher.canonical(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
