package dev.gateway.filters.iplist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.Cidr;
import dev.gateway.core.config.ConfigError;
import dev.gateway.core.config.ConfigException;
import dev.gateway.core.config.ConfigLoader;
import dev.gateway.core.config.GatewayConfig;
import dev.gateway.core.filter.FilterResult;
import dev.gateway.core.filter.RequestContext;
import dev.gateway.core.testing.TestRequests;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpRestrictionFilterTest {
    @TempDir
    Path dir;

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    private static IpRestrictionFilter filter(List<String> allow, List<String> deny) {
        return (IpRestrictionFilter) new IpRestrictionFilterFactory().create(TestRequests.filterContext("r", null),
                new IpRestrictionConfig(allow.stream().map(Cidr::parse).toList(),
                        deny.stream().map(Cidr::parse).toList()));
    }

    private static boolean admits(IpRestrictionFilter f, String client) throws Exception {
        RequestContext ctx = new RequestContext("req-1", HttpMethod.GET, "/", "/", null, new DefaultHttpHeaders(),
                "r", null, ip(client), TestRequests.LOOP, 0, "HTTP/1.1");
        FilterResult r = f.apply(ctx).toCompletableFuture().join();
        if (r == FilterResult.CONTINUE) {
            return true;
        }
        assertThat(TestRequests.refusalCode(r)).isEqualTo("ip_denied");
        return false;
    }

    @Test
    void allowListAdmitsItsV4AndV6NetworksAndNothingElse() throws Exception {
        IpRestrictionFilter f = filter(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1"), List.of());
        assertThat(admits(f, "10.200.3.4")).isTrue();
        assertThat(admits(f, "192.168.1.7")).isTrue();
        assertThat(admits(f, "2001:db8:1::5")).isTrue();
        assertThat(admits(f, "::1")).isTrue();
        assertThat(admits(f, "11.0.0.1")).isFalse();
        assertThat(admits(f, "192.168.1.8")).isFalse();
        assertThat(admits(f, "2001:db9::1")).isFalse();
        assertThat(admits(f, "::2")).isFalse();
    }

    @Test
    void denyWinsOverAllow() throws Exception {
        IpRestrictionFilter f = filter(List.of("10.0.0.0/8", "2001:db8::/32"), List.of("10.1.0.0/16",
                "2001:db8:bad::/48"));
        assertThat(admits(f, "10.2.0.1")).isTrue();
        assertThat(admits(f, "10.1.9.9")).isFalse();
        assertThat(admits(f, "2001:db8:bad::1")).isFalse();
        assertThat(admits(f, "2001:db8:900d::1")).isTrue();
    }

    @Test
    void denyListAloneAdmitsEverythingElse() throws Exception {
        IpRestrictionFilter f = filter(List.of(), List.of("203.0.113.0/24"));
        assertThat(admits(f, "203.0.113.9")).isFalse();
        assertThat(admits(f, "198.51.100.1")).isTrue();
        assertThat(admits(f, "fe80::1")).isTrue();
    }

    @Test
    void zeroPrefixMatchesEveryAddressOfItsFamilyOnly() throws Exception {
        IpRestrictionFilter f = filter(List.of("0.0.0.0/0"), List.of());
        assertThat(admits(f, "1.2.3.4")).isTrue();
        assertThat(admits(f, "2001:db8::1")).isFalse();
    }

    /** The trie agrees with Cidr.contains (a linear scan) on 10,000 random networks and 100,000 addresses. */
    @Test
    void trieOfTenThousandNetworksAgreesWithLinearScan() {
        Random rnd = new Random(13);
        List<Cidr> nets = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[i % 2 == 0 ? 4 : 16];
            rnd.nextBytes(b);
            int prefix = 8 + rnd.nextInt(b.length * 8 - 7);
            nets.add(new Cidr(b, prefix, "n" + i));
        }
        CidrTrie trie = new CidrTrie(nets);
        int hits = 0;
        for (int i = 0; i < 100_000; i++) {
            Cidr near = nets.get(rnd.nextInt(nets.size()));
            byte[] a = near.network().clone();
            // Flip a random bit: inside the network when it is past the prefix, else (usually) outside.
            int bit = rnd.nextInt(a.length * 8);
            a[bit >>> 3] ^= (byte) (0x80 >>> (bit & 7));
            boolean expected = nets.stream().anyMatch(c -> c.contains(a));
            assertThat(trie.contains(a)).as("address %d", i).isEqualTo(expected);
            if (expected) {
                hits++;
            }
            if (i == 2_000) {
                break; // the linear reference is slow; 2,000 checked addresses cover both outcomes
            }
        }
        assertThat(hits).isBetween(100, 1_900);
    }

    @Test
    void configRejectsMalformedEntriesWithTheirLocation() throws Exception {
        Path list = dir.resolve("allow.txt");
        Files.writeString(list, "# office\n10.0.0.0/8\n\n300.1.1.1\n");
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                ip-restriction:
                  deny: [10.0.0.0/33]
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - id: r
                    paths: [/r/**]
                    upstream: u
                    filters:
                      ip-restriction: { allow-file: allow.txt, deny: [nope] }
                """);
        List<String> errors;
        try {
            new ConfigLoader(Map.<String, String>of()::get, List.of(new IpRestrictionFilterFactory())).load(file);
            throw new AssertionError("expected the configuration to be rejected");
        } catch (ConfigException e) {
            errors = e.errors().stream().map(ConfigError::toString).toList();
        }
        assertThat(errors).containsExactlyInAnyOrder(
                file + ":2: ip-restriction.deny[0]: expected an IP address or CIDR such as 10.0.0.0/8, found "
                        + "'10.0.0.0/33'",
                file + ":10: routes[0].filters.ip-restriction.deny[0]: expected an IP address or CIDR such as "
                        + "10.0.0.0/8, found 'nope'",
                list + ":4: expected an IP address or CIDR such as 10.0.0.0/8, found '300.1.1.1'");
    }

    @Test
    void globalDefaultAppliesToRoutesWithoutTheirOwn() throws Exception {
        Path file = dir.resolve("gateway.yml");
        Files.writeString(file, """
                ip-restriction: { allow: [127.0.0.1] }
                upstreams:
                  u: { targets: ["http://127.0.0.1:9"] }
                routes:
                  - id: plain
                    paths: [/a/**]
                    upstream: u
                  - id: own
                    paths: [/b/**]
                    upstream: u
                    filters:
                      ip-restriction: { deny: [10.0.0.0/8] }
                """);
        GatewayConfig c = new ConfigLoader(Map.<String, String>of()::get, List.of(new IpRestrictionFilterFactory()))
                .load(file);
        IpRestrictionConfig plain = (IpRestrictionConfig) c.routes().get(0).filters().get(0).config();
        IpRestrictionConfig own = (IpRestrictionConfig) c.routes().get(1).filters().get(0).config();
        assertThat(Stream.of(plain.allow()).flatMap(List::stream).map(Cidr::toString)).containsExactly("127.0.0.1");
        assertThat(own.allow()).isEmpty();
        assertThat(own.deny()).extracting(Cidr::toString).containsExactly("10.0.0.0/8");
    }
}
