package dev.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.server.support.Gateways;
import dev.gateway.server.support.RawHttp;
import dev.gateway.server.support.TestUpstream;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ip-restriction through running gateways: one behind which 127.0.0.0/8 and 10.0.0.0/8 are trusted proxies (the
 * client is the rightmost untrusted X-Forwarded-For entry), one that trusts nobody (the client is the peer, whatever
 * the request claims).
 */
class IpRestrictionIT {
    static TestUpstream upstream;
    static GatewayServer behindProxies;
    static GatewayServer direct;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.echo("u");
        String routes = """
                ip-restriction: { allow: ["203.0.113.0/24", "2001:db8::/32"], deny: [203.0.113.66] }
                upstreams:
                  u: { targets: ["${U}"] }
                routes:
                  - id: partners
                    paths: [/partners/**]
                    upstream: u
                  - id: local
                    paths: [/local/**]
                    upstream: u
                    filters:
                      ip-restriction: { allow: [127.0.0.1] }
                """;
        behindProxies = Gateways.start(Gateways.yaml("trusted-proxies: [127.0.0.0/8, 10.0.0.0/8]", routes),
                Map.of("U", upstream.url()));
        direct = Gateways.start(Gateways.yaml("", routes), Map.of("U", upstream.url()));
    }

    @AfterAll
    static void stop() {
        behindProxies.close();
        direct.close();
        upstream.close();
    }

    private static RawHttp.Response get(GatewayServer g, String path, String xff) throws Exception {
        return RawHttp.exchange(g.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\n"
                + (xff == null ? "" : "X-Forwarded-For: " + xff + "\r\n") + "Connection: close\r\n\r\n");
    }

    @Test
    void clientNamedThroughTrustedProxyChainIsMatched() throws Exception {
        // 127.0.0.1 (the peer) and 10.0.0.2 are trusted proxies: the client is 203.0.113.5.
        assertThat(get(behindProxies, "/partners/a", "203.0.113.5, 10.0.0.2").status()).isEqualTo(200);
        assertThat(get(behindProxies, "/partners/a", "2001:db8::7").status()).isEqualTo(200);
        RawHttp.Response r = get(behindProxies, "/partners/a", "198.51.100.1, 10.0.0.2");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("\"error\":\"ip_denied\"");
    }

    @Test
    void entriesLeftOfTheFirstUntrustedOneAreIgnored() throws Exception {
        // The client may prepend anything; only the address the trusted proxy saw counts.
        assertThat(get(behindProxies, "/partners/a", "203.0.113.5, 198.51.100.1").status()).isEqualTo(403);
        assertThat(get(behindProxies, "/partners/a", "198.51.100.1, 203.0.113.5").status()).isEqualTo(200);
    }

    @Test
    void denyWinsOverTheGlobalAllowList() throws Exception {
        assertThat(get(behindProxies, "/partners/a", "203.0.113.66").status()).isEqualTo(403);
    }

    @Test
    void spoofedForwardedForFromUntrustedPeerIsIgnored() throws Exception {
        int before = upstream.received().size();
        RawHttp.Response r = get(direct, "/partners/a", "203.0.113.5");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.text()).contains("\"error\":\"ip_denied\"");
        assertThat(upstream.received()).hasSize(before);
        // The peer itself, 127.0.0.1, is what the route's own list admits, whatever the header says.
        assertThat(get(direct, "/local/a", "198.51.100.1").status()).isEqualTo(200);
    }
}
