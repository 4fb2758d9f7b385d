package dev.gateway.core.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gateway.core.config.TlsConfig;
import dev.gateway.core.filter.ClientCertificate;
import dev.gateway.core.http.Header;
import dev.gateway.core.terminal.ClientFlow;
import dev.gateway.core.upstream.ResponseHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The request head the filters see, and the one the upstream gets. */
class ForwardedHeadersTest {

    static HttpRequest request() {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/x");
        r.headers().add("Host", "api.example.com")
                .add("Proxy-Authorization", "hmac username=\"a\", signature=\"s\"")
                .add("Authorization", "Bearer t")
                .add("Proxy-Connection", "keep-alive")
                .add("X-App-Key", "spoofed");
        return r;
    }

    @Test
    void filtersSeeProxyAuthorizationButNotTheOtherHopByHopOrIdentityHeaders() {
        HttpRequest r = request();

        ForwardedHeaders.prepare(r, "api.example.com", false, new Client(), null);

        HttpHeaders h = r.headers();
        assertThat(h.get("proxy-authorization")).isEqualTo("hmac username=\"a\", signature=\"s\"");
        assertThat(h.get("authorization")).isEqualTo("Bearer t");
        assertThat(h.contains("proxy-connection")).isFalse();
        assertThat(h.contains("x-app-key")).isFalse();
    }

    @Test
    void proxyAuthorizationIsGoneOnceTheFiltersRan() {
        HttpRequest r = request();
        ForwardedHeaders.prepare(r, "api.example.com", false, new Client(), null);

        ForwardedHeaders.afterFilters(r.headers());

        assertThat(r.headers().contains("proxy-authorization")).isFalse();
        assertThat(r.headers().get("authorization")).isEqualTo("Bearer t");
    }

    private static final ClientCertificate CERT = new ClientCertificate("CN=partner-a,O=Example \"Q\"", "CN=ca",
            List.of("a.example"), List.of("spiffe://example/a"), "ab12");

    @Test
    void sanitizeRemovesTheClientsHeaderEvenWithAVerifiedCertificate() {
        HttpHeaders h = request().headers().add("X-Forwarded-Client-Cert", "Hash=forged");

        ForwardedHeaders.clientCert(h, CERT, TlsConfig.ForwardClientCert.SANITIZE);

        assertThat(h.contains("x-forwarded-client-cert")).isFalse();
    }

    @Test
    void everyModeRemovesTheClientsHeaderWithoutAVerifiedCertificate() {
        for (TlsConfig.ForwardClientCert mode : TlsConfig.ForwardClientCert.values()) {
            HttpHeaders h = request().headers().add("X-Forwarded-Client-Cert", "Hash=forged");

            ForwardedHeaders.clientCert(h, null, mode);

            assertThat(h.contains("x-forwarded-client-cert")).as(mode.name()).isFalse();
        }
    }

    @Test
    void appendForwardAddsThisCertificateInEnvoysFormat() {
        HttpHeaders h = request().headers().add("X-Forwarded-Client-Cert", "Hash=front");

        ForwardedHeaders.clientCert(h, CERT, TlsConfig.ForwardClientCert.APPEND_FORWARD);

        assertThat(h.get("x-forwarded-client-cert")).isEqualTo("Hash=front,Hash=ab12;"
                + "Subject=\"CN=partner-a,O=Example \\\"Q\\\"\";URI=spiffe://example/a;DNS=a.example");
    }

    @Test
    void sanitizeSetReplacesAndForwardKeeps() {
        HttpHeaders set = request().headers().add("X-Forwarded-Client-Cert", "Hash=front");
        HttpHeaders kept = request().headers().add("X-Forwarded-Client-Cert", "Hash=front");

        ForwardedHeaders.clientCert(set, CERT, TlsConfig.ForwardClientCert.SANITIZE_SET);
        ForwardedHeaders.clientCert(kept, CERT, TlsConfig.ForwardClientCert.FORWARD);

        assertThat(set.get("x-forwarded-client-cert")).startsWith("Hash=ab12;Subject=");
        assertThat(kept.get("x-forwarded-client-cert")).isEqualTo("Hash=front");
    }

    /** Only what {@link ForwardedHeaders#prepare} asks of the client connection. */
    static final class Client implements Downstream {
        @Override public InetAddress clientAddress() { return InetAddress.getLoopbackAddress(); }
        @Override public AsciiString clientIp() { return AsciiString.of("127.0.0.1"); }
        @Override public boolean isPeerTrusted() { return false; }
        @Override public AsciiString localPort() { return AsciiString.of("8080"); }

        @Override public EventLoop loop() { throw new UnsupportedOperationException(); }
        @Override public ByteBufAllocator alloc() { throw new UnsupportedOperationException(); }
        @Override public ClientFlow clientFlow() { throw new UnsupportedOperationException(); }
        @Override public void forwardHead(ResponseHead head, HttpHeaders headers, List<Header> extra,
                CharSequence requestId, boolean mustClose) { throw new UnsupportedOperationException(); }
        @Override public void forwardContent(ByteBuf in, int index, int length) {
            throw new UnsupportedOperationException();
        }
        @Override public void forwardEnd(ByteBuf trailers) { throw new UnsupportedOperationException(); }
        @Override public void upstreamReadComplete() { throw new UnsupportedOperationException(); }
        @Override public void respond(HttpResponseStatus status, HttpHeaders headers, ByteBuf body,
                boolean mustClose) { throw new UnsupportedOperationException(); }
        @Override public void sendContinue() { throw new UnsupportedOperationException(); }
        @Override public void exchangeEnded(Exchange exchange, boolean abort) {
            throw new UnsupportedOperationException();
        }
    }
}
