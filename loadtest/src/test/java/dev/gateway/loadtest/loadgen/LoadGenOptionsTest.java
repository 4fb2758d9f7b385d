package dev.gateway.loadtest.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoadGenOptionsTest {
    private static final String[] BASE = {"--url", "http://127.0.0.1:8080/a?b=1", "--rate", "1000", "--duration",
        "10s", "--out", "/tmp/x"};

    private static String[] with(String... more) {
        String[] all = new String[BASE.length + more.length];
        System.arraycopy(BASE, 0, all, 0, BASE.length);
        System.arraycopy(more, 0, all, BASE.length, more.length);
        return all;
    }

    @Test
    void parsesTheIssuesCommandLineWithItsDefaults() throws Exception {
        LoadGenOptions o = LoadGenOptions.parse(with("--connections", "64", "--header", "X-Test: a b",
                "--sign", "hmac:app:sec"));
        assertThat(o.address().getPort()).isEqualTo(8080);
        assertThat(o.hostHeader()).isEqualTo("127.0.0.1:8080");
        assertThat(o.target()).isEqualTo("/a?b=1");
        assertThat(o.rate()).isEqualTo(1000);
        assertThat(o.duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(o.warmup()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.threads()).isEqualTo(1);
        assertThat(o.headers()).containsExactly(new LoadGenOptions.Header("X-Test", "a b"));
        assertThat(o.mix()).containsOnlyKeys("hmac");
        assertThat(o.maxBacklog()).isEqualTo(5000);
        assertThat(o.commandLine()).endsWith("--sign hmac:app:***");
    }

    @Test
    void takesLocalhostAndIpv6LoopbackWithoutResolving() throws Exception {
        LoadGenOptions o = LoadGenOptions.parse("--url", "http://localhost/", "--ceiling", "--duration", "1s",
                "--out", "x");
        assertThat(o.address().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(o.address().getPort()).isEqualTo(80);
        assertThat(o.hostHeader()).isEqualTo("localhost");
        assertThat(o.ceiling()).isTrue();
        LoadGenOptions v6 = LoadGenOptions.parse("--url", "http://[::1]:9000", "--rate", "5", "--duration", "1s",
                "--out", "x");
        assertThat(v6.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(v6.hostHeader()).isEqualTo("[::1]:9000");
        assertThat(v6.target()).isEqualTo("/");
    }

    @Test
    void refusesHostsOtherThanLoopback() {
        for (String url : new String[] {"http://10.0.0.1/", "http://example.com/", "http://127.0.0.2/",
            "http://localhost.example.com/"}) {
            assertThatThrownBy(() -> LoadGenOptions.parse("--url", url, "--rate", "1", "--duration", "1s",
                    "--out", "x")).isInstanceOf(UsageException.class).hasMessageContaining("loopback");
        }
    }

    @Test
    void explainsEachBadOption() {
        assertRefused("--duration is required", "--url", "http://127.0.0.1/", "--rate", "1", "--out", "x");
        assertRefused("--out PREFIX is required", "--url", "http://127.0.0.1/", "--rate", "1", "--duration", "1s");
        assertRefused("exactly one of --rate N", "--url", "http://127.0.0.1/", "--duration", "1s", "--out", "x");
        assertRefused("https is not supported", "--url", "https://127.0.0.1/", "--rate", "1", "--duration", "1s",
                "--out", "x");
        assertRefused("--rate: 2000000 is outside 1..1000000", with("--rate", "2000000"));
        assertRefused("--duration: 2h is outside 100ms..3600s", with("--duration", "2h"));
        assertRefused("--duration: 'ten' is not a duration", with("--duration", "ten"));
        assertRefused("--threads 4 is more than --connections 2", with("--threads", "4", "--connections", "2"));
        assertRefused("--header: 'nocolon' is not 'Name: value'", with("--header", "nocolon"));
        assertRefused("--header Content-Length: set by the generator", with("--header", "Content-Length: 5"));
        assertRefused("--sign: expected hmac:KEY:SECRET", with("--sign", "jwt:x"));
        assertRefused("--mix: hmac needs --sign", with("--mix", "plain:1,hmac:1"));
        assertRefused("--mix: unknown request maker 'jwt'", with("--mix", "jwt:1"));
        assertRefused("unknown option --bogus", with("--bogus", "1"));
        assertRefused("--body-file /nonexistent/body: cannot read", with("--body-file", "/nonexistent/body"));
    }

    private static void assertRefused(String message, String... args) {
        assertThatThrownBy(() -> LoadGenOptions.parse(args)).isInstanceOf(UsageException.class)
                .hasMessageContaining(message);
    }
}
