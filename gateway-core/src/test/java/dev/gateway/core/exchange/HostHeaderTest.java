package dev.gateway.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostHeaderTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "a", "api.example.com", "api.example.com:8080", "API.Example.COM", "127.0.0.1",
            "127.0.0.1:65535", "host:", "a_b~c-d.e", "!$&'()*+,;=", "a%2Db", "[::1]", "[::1]:80", "[2001:db8::1]",
            "[::ffff:192.0.2.1]:443", "xn--bcher-kva.example"})
    void accepts(String host) {
        assertThat(HostHeader.isValid(host)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "a b", "user@host", "host/path", "host\\x", "host?q", "host#f", "host:80a",
            "host:-1", "host:123456", "host:80:81", ":80", "::1", "2001:db8::1", "[::1", "::1]", "[::1]x",
            "[::1]:8a", "[host]", "[]", "a%zz", "a%2", "a%", "\u00e9", "a\"b", "a<b", "a\tb", "a\u0000b", "a{b}",
            "a|b", "a^b", "a`b"})
    void refuses(String host) {
        assertThat(HostHeader.isValid(host)).isFalse();
    }
}
