package dev.gateway.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    /** Bytes of an IP literal (a literal never triggers a DNS lookup). */
    private static byte[] ip(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    @Test
    void ipv4NetworkContainsAddressInsideIt() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(ip("10.255.1.2"))).isTrue();
    }

    @Test
    void ipv4NetworkDoesNotContainAddressOutsideIt() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(ip("11.0.0.1"))).isFalse();
    }

    @Test
    void prefixNotOnByteBoundaryContainsLastAddressOfTheNetwork() {
        assertThat(Cidr.parse("192.168.0.0/22").contains(ip("192.168.3.255"))).isTrue();
    }

    @Test
    void prefixNotOnByteBoundaryDoesNotContainFirstAddressAfterTheNetwork() {
        assertThat(Cidr.parse("192.168.0.0/22").contains(ip("192.168.4.0"))).isFalse();
    }

    @Test
    void ipv4SlashZeroContainsEveryIpv4Address() {
        Cidr all = Cidr.parse("0.0.0.0/0");

        assertThat(all.contains(ip("203.0.113.9"))).isTrue();
        assertThat(all.contains(ip("255.255.255.255"))).isTrue();
    }

    @Test
    void ipv4SlashZeroDoesNotContainIpv6Address() {
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("::1"))).isFalse();
    }

    @Test
    void slash32ContainsOnlyThatAddress() {
        Cidr one = Cidr.parse("192.0.2.7/32");

        assertThat(one.contains(ip("192.0.2.7"))).isTrue();
        assertThat(one.contains(ip("192.0.2.6"))).isFalse();
    }

    @Test
    void bareIpv4AddressIsSlash32() {
        Cidr bare = Cidr.parse("192.0.2.7");

        assertThat(bare.prefix()).isEqualTo(32);
        assertThat(bare.contains(ip("192.0.2.7"))).isTrue();
        assertThat(bare.contains(ip("192.0.2.8"))).isFalse();
    }

    @Test
    void ipv6NetworkContainsAddressInsideIt() {
        assertThat(Cidr.parse("2001:db8::/32").contains(ip("2001:db8:ffff::1"))).isTrue();
    }

    @Test
    void ipv6NetworkDoesNotContainAddressOutsideIt() {
        assertThat(Cidr.parse("2001:db8::/32").contains(ip("2001:db9::1"))).isFalse();
    }

    @Test
    void ipv6SlashZeroContainsEveryIpv6Address() {
        assertThat(Cidr.parse("::/0").contains(ip("2001:db8::1"))).isTrue();
    }

    @Test
    void ipv6NetworkDoesNotContainIpv4Address() {
        assertThat(Cidr.parse("::/0").contains(ip("10.0.0.1"))).isFalse();
    }

    @Test
    void bareIpv6AddressIsSlash128() {
        Cidr bare = Cidr.parse("::1");

        assertThat(bare.prefix()).isEqualTo(128);
        assertThat(bare.contains(ip("::1"))).isTrue();
        assertThat(bare.contains(ip("::2"))).isFalse();
    }

    @Test
    void keepsTheTrimmedTextAsItsString() {
        assertThat(Cidr.parse(" 10.0.0.0/8 ")).hasToString("10.0.0.0/8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0.0", "10.0.0.0/", "10.0.0.0/x",
            "10.0.0.0/8/8", "/8", "10.0.0.0 /8", "1.2.3.4:80", "fe80::1%eth0", "::1/abc"})
    void returnsNullForMalformedInput(String text) {
        assertThat(Cidr.parse(text)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "gateway.internal/8", "cafe", "face:b00c.example"})
    void rejectsHostNamesWithoutLookingThemUp(String text) {
        assertThat(Cidr.parse(text)).isNull();
    }

    @Test
    void rejectsNegativePrefix() {
        assertThat(Cidr.parse("10.0.0.0/-1")).isNull();
    }
}
