package dev.gateway.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {

    @Test
    void returnsCanonicalPathAsSameInstance() {
        String path = new String("/api/v1/orders/42");

        assertThat(PathNormalizer.normalize(path)).isSameAs(path);
    }

    @Test
    void returnsRootAsSameInstance() {
        String root = new String("/");

        assertThat(PathNormalizer.normalize(root)).isSameAs(root);
    }

    @Test
    void returnsCanonicalPathWithSubDelimitersAsSameInstance() {
        String path = new String("/a;b=c/@user/x,y+z:1");

        assertThat(PathNormalizer.normalize(path)).isSameAs(path);
    }

    @Test
    void decodesPercentEncodedUnreservedCharacters() {
        assertThat(PathNormalizer.normalize("/%41bc/x%7E")).isEqualTo("/Abc/x~");
    }

    @Test
    void decodesLowerCaseHexOfUnreservedCharacters() {
        assertThat(PathNormalizer.normalize("/%7e%2d%5f")).isEqualTo("/~-_");
    }

    @Test
    void keepsReservedEscapeEncodedWithUpperCaseHex() {
        assertThat(PathNormalizer.normalize("/a%2fb")).isEqualTo("/a%2Fb");
    }

    @Test
    void keepsEncodedPercentSignEncoded() {
        assertThat(PathNormalizer.normalize("/100%25")).isEqualTo("/100%25");
    }

    @Test
    void treatsEncodedSlashesAsPartOfOneSegmentSoDotDotBetweenThemIsNotResolved() {
        assertThat(PathNormalizer.normalize("/a%2F..%2Fb")).isEqualTo("/a%2F..%2Fb");
    }

    @Test
    void resolvesEncodedDotDotAsDotDotSegment() {
        assertThat(PathNormalizer.normalize("/a/b/%2E%2E/c")).isEqualTo("/a/c");
    }

    @Test
    void mergesDuplicateSlashes() {
        assertThat(PathNormalizer.normalize("//a///b")).isEqualTo("/a/b");
    }

    @Test
    void resolvesDotAndDotDotSegments() {
        assertThat(PathNormalizer.normalize("/a/./b/../c")).isEqualTo("/a/c");
    }

    @Test
    void resolvesDotDotBackToRoot() {
        assertThat(PathNormalizer.normalize("/a/..")).isEqualTo("/");
    }

    @Test
    void resolvesLoneDotToRoot() {
        assertThat(PathNormalizer.normalize("/.")).isEqualTo("/");
    }

    @Test
    void keepsTrailingSlash() {
        assertThat(PathNormalizer.normalize("/a//b//")).isEqualTo("/a/b/");
    }

    @Test
    void keepsTrailingSlashAfterFinalDotDot() {
        assertThat(PathNormalizer.normalize("/a/b/..")).isEqualTo("/a/");
    }

    @Test
    void keepsDotsInsideSegmentNames() {
        assertThat(PathNormalizer.normalize("/a/.well-known/..x")).isEqualTo("/a/.well-known/..x");
    }

    @Test
    void normalisesPublicDotDotAdminToAdmin() {
        assertThat(PathNormalizer.normalize("/public/../admin")).isEqualTo("/admin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/a/../..", "/%2e%2e/x", "/a/%2E%2E/%2e%2e/etc/passwd", "/./../x"})
    void rejectsPathThatClimbsAboveRoot(String path) {
        assertThat(PathNormalizer.normalize(path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%", "/%4", "/a%", "/%zz", "/%g1", "/%1g"})
    void rejectsInvalidPercentEncoding(String path) {
        assertThat(PathNormalizer.normalize(path)).isNull();
    }

    @Test
    void rejectsNonAsciiHexDigitInPercentEncoding() {
        assertThat(PathNormalizer.normalize("/%4\uFF11")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\u0000b", "/a\tb", "/a\nb", "/a\rb", "/a\u001fb", "/a\u007fb"})
    void rejectsControlCharacters(String path) {
        assertThat(PathNormalizer.normalize(path)).isNull();
    }

    @Test
    void rejectsSpace() {
        assertThat(PathNormalizer.normalize("/a b")).isNull();
    }

    @Test
    void rejectsBackslash() {
        assertThat(PathNormalizer.normalize("/a\\..\\b")).isNull();
    }

    @Test
    void rejectsFragmentMarker() {
        assertThat(PathNormalizer.normalize("/a#b")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/caf\u00e9", "/\u0430dmin", "/%41/caf\u00e9"})
    void rejectsNonAsciiCharacters(String path) {
        assertThat(PathNormalizer.normalize(path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "*", "http://host/a", "%2Fa"})
    void rejectsPathNotStartingWithSlash(String path) {
        assertThat(PathNormalizer.normalize(path)).isNull();
    }
}
